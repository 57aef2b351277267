# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_orgmap_global_optspecs
    string join \n config= store= json q/quiet v/verbose no-input color= h/help V/version
end

function __fish_orgmap_needs_command
    # Figure out if the current invocation already has a command.
    set -l cmd (commandline -opc)
    set -e cmd[1]
    argparse -s (__fish_orgmap_global_optspecs) -- $cmd 2>/dev/null
    or return
    if set -q argv[1]
        # Also print the command, so this can be used to figure out what it is.
        echo $argv[1]
        return 1
    end
    return 0
end

function __fish_orgmap_using_subcommand
    set -l cmd (__fish_orgmap_needs_command)
    test -z "$cmd"
    and return 1
    contains -- $cmd[1] $argv
end

complete -c orgmap -n "__fish_orgmap_needs_command" -l config -d 'The integrations file [env: ORGMAP_CONFIG] [default: ./integrations.toml if you own it, else the XDG config dir]' -r -F
complete -c orgmap -n "__fish_orgmap_needs_command" -l store -d 'The store: a directory, or postgres://USER@HOST/DB [env: ORGMAP_STORE] [default: [store] url in the config, else ~/.local/share/orgmap]' -r -F
complete -c orgmap -n "__fish_orgmap_needs_command" -l color -d 'When to colour messages on stderr' -r -f -a "auto\t''
always\t''
never\t''"
complete -c orgmap -n "__fish_orgmap_needs_command" -l json -d 'Print results as JSON (errors too, on stderr)'
complete -c orgmap -n "__fish_orgmap_needs_command" -s q -l quiet -d 'Print no status messages'
complete -c orgmap -n "__fish_orgmap_needs_command" -s v -l verbose -d 'Say which config and store are used'
complete -c orgmap -n "__fish_orgmap_needs_command" -l no-input -d 'Never prompt; fail with a hint when a value is missing'
complete -c orgmap -n "__fish_orgmap_needs_command" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c orgmap -n "__fish_orgmap_needs_command" -s V -l version -d 'Print version'
complete -c orgmap -n "__fish_orgmap_needs_command" -f -a "init" -d 'Create the store; you hold manage-config in it first'
complete -c orgmap -n "__fish_orgmap_needs_command" -f -a "org" -d 'Manage your customer organizations'
complete -c orgmap -n "__fish_orgmap_needs_command" -f -a "integrations" -d 'Show the integrations declared in integrations.toml'
complete -c orgmap -n "__fish_orgmap_needs_command" -f -a "discover" -d 'List an integration\'s external organizations'
complete -c orgmap -n "__fish_orgmap_needs_command" -f -a "refresh" -d 'Fetch external organizations now and report what changed'
complete -c orgmap -n "__fish_orgmap_needs_command" -f -a "map" -d 'Map an organization to an external organization'
complete -c orgmap -n "__fish_orgmap_needs_command" -f -a "edit" -d 'Change one mapping'
complete -c orgmap -n "__fish_orgmap_needs_command" -f -a "unmap" -d 'Delete a mapping'
complete -c orgmap -n "__fish_orgmap_needs_command" -f -a "list" -d 'List mappings'
complete -c orgmap -n "__fish_orgmap_needs_command" -f -a "get" -d 'Get an organization\'s mapping for an integration (for workflows)'
complete -c orgmap -n "__fish_orgmap_needs_command" -f -a "set" -d 'Create or update an organization\'s mapping (for workflows)'
complete -c orgmap -n "__fish_orgmap_needs_command" -f -a "lookup" -d 'Find the organizations mapped to an external organization'
complete -c orgmap -n "__fish_orgmap_needs_command" -f -a "test" -d 'Test that mappings reach their external organizations'
complete -c orgmap -n "__fish_orgmap_needs_command" -f -a "audit" -d 'Show the audit log, newest first'
complete -c orgmap -n "__fish_orgmap_needs_command" -f -a "doctor" -d 'Check the config and the store, and repair damaged indexes'
complete -c orgmap -n "__fish_orgmap_needs_command" -f -a "export" -d 'Write everything the store holds as JSON lines (a backup)'
complete -c orgmap -n "__fish_orgmap_needs_command" -f -a "import" -d 'Read an export back into the store (a restore, or a move between stores)'
complete -c orgmap -n "__fish_orgmap_needs_command" -f -a "suggest" -d 'Suggest mappings for the organizations not yet mapped in an integration'
complete -c orgmap -n "__fish_orgmap_needs_command" -f -a "apply" -d 'Apply a plan written by `orgmap suggest --plan`, in one transaction'
complete -c orgmap -n "__fish_orgmap_needs_command" -f -a "coverage" -d 'Show which organizations are mapped in which integrations, and the gaps'
complete -c orgmap -n "__fish_orgmap_needs_command" -f -a "exclude" -d 'Record that an organization has no account in an integration, on purpose'
complete -c orgmap -n "__fish_orgmap_needs_command" -f -a "include" -d 'Take an exclusion back: the organization counts as missing again until it is mapped'
complete -c orgmap -n "__fish_orgmap_needs_command" -f -a "access" -d 'Manage who holds manage-config (needed for every change)'
complete -c orgmap -n "__fish_orgmap_needs_command" -f -a "store" -d 'Migrate the store\'s schema; set up PostgreSQL roles'
complete -c orgmap -n "__fish_orgmap_needs_command" -f -a "completions" -d 'Print a shell completion script'
complete -c orgmap -n "__fish_orgmap_needs_command" -f -a "man" -d 'Write man pages: orgmap.1 and one page per command (orgmap-map.1, orgmap-org-add.1, ...)'
complete -c orgmap -n "__fish_orgmap_needs_command" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c orgmap -n "__fish_orgmap_using_subcommand init" -l role-prefix -d 'PostgreSQL: name the roles PREFIX_manager and PREFIX_reader' -r
complete -c orgmap -n "__fish_orgmap_using_subcommand init" -l config -d 'The integrations file [env: ORGMAP_CONFIG] [default: ./integrations.toml if you own it, else the XDG config dir]' -r -F
complete -c orgmap -n "__fish_orgmap_using_subcommand init" -l store -d 'The store: a directory, or postgres://USER@HOST/DB [env: ORGMAP_STORE] [default: [store] url in the config, else ~/.local/share/orgmap]' -r -F
complete -c orgmap -n "__fish_orgmap_using_subcommand init" -l color -d 'When to colour messages on stderr' -r -f -a "auto\t''
always\t''
never\t''"
complete -c orgmap -n "__fish_orgmap_using_subcommand init" -l apply-roles -d 'PostgreSQL: create the roles and grant their privileges (needs a role that may create roles)'
complete -c orgmap -n "__fish_orgmap_using_subcommand init" -l json -d 'Print results as JSON (errors too, on stderr)'
complete -c orgmap -n "__fish_orgmap_using_subcommand init" -s q -l quiet -d 'Print no status messages'
complete -c orgmap -n "__fish_orgmap_using_subcommand init" -s v -l verbose -d 'Say which config and store are used'
complete -c orgmap -n "__fish_orgmap_using_subcommand init" -l no-input -d 'Never prompt; fail with a hint when a value is missing'
complete -c orgmap -n "__fish_orgmap_using_subcommand init" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c orgmap -n "__fish_orgmap_using_subcommand org; and not __fish_seen_subcommand_from add list show rename edit import deactivate activate help" -l config -d 'The integrations file [env: ORGMAP_CONFIG] [default: ./integrations.toml if you own it, else the XDG config dir]' -r -F
complete -c orgmap -n "__fish_orgmap_using_subcommand org; and not __fish_seen_subcommand_from add list show rename edit import deactivate activate help" -l store -d 'The store: a directory, or postgres://USER@HOST/DB [env: ORGMAP_STORE] [default: [store] url in the config, else ~/.local/share/orgmap]' -r -F
complete -c orgmap -n "__fish_orgmap_using_subcommand org; and not __fish_seen_subcommand_from add list show rename edit import deactivate activate help" -l color -d 'When to colour messages on stderr' -r -f -a "auto\t''
always\t''
never\t''"
complete -c orgmap -n "__fish_orgmap_using_subcommand org; and not __fish_seen_subcommand_from add list show rename edit import deactivate activate help" -l json -d 'Print results as JSON (errors too, on stderr)'
complete -c orgmap -n "__fish_orgmap_using_subcommand org; and not __fish_seen_subcommand_from add list show rename edit import deactivate activate help" -s q -l quiet -d 'Print no status messages'
complete -c orgmap -n "__fish_orgmap_using_subcommand org; and not __fish_seen_subcommand_from add list show rename edit import deactivate activate help" -s v -l verbose -d 'Say which config and store are used'
complete -c orgmap -n "__fish_orgmap_using_subcommand org; and not __fish_seen_subcommand_from add list show rename edit import deactivate activate help" -l no-input -d 'Never prompt; fail with a hint when a value is missing'
complete -c orgmap -n "__fish_orgmap_using_subcommand org; and not __fish_seen_subcommand_from add list show rename edit import deactivate activate help" -s h -l help -d 'Print help'
complete -c orgmap -n "__fish_orgmap_using_subcommand org; and not __fish_seen_subcommand_from add list show rename edit import deactivate activate help" -f -a "add" -d 'Add an organization (adding an identical one again changes nothing)'
complete -c orgmap -n "__fish_orgmap_using_subcommand org; and not __fish_seen_subcommand_from add list show rename edit import deactivate activate help" -f -a "list" -d 'List organizations'
complete -c orgmap -n "__fish_orgmap_using_subcommand org; and not __fish_seen_subcommand_from add list show rename edit import deactivate activate help" -f -a "show" -d 'Show an organization and all its mappings'
complete -c orgmap -n "__fish_orgmap_using_subcommand org; and not __fish_seen_subcommand_from add list show rename edit import deactivate activate help" -f -a "rename" -d 'Give an organization a new display name'
complete -c orgmap -n "__fish_orgmap_using_subcommand org; and not __fish_seen_subcommand_from add list show rename edit import deactivate activate help" -f -a "edit" -d 'Change an organization\'s name, domains and aliases (what matching uses)'
complete -c orgmap -n "__fish_orgmap_using_subcommand org; and not __fish_seen_subcommand_from add list show rename edit import deactivate activate help" -f -a "import" -d 'Create an organization, with its mapping, for each external organization of a system of record that no organization maps yet'
complete -c orgmap -n "__fish_orgmap_using_subcommand org; and not __fish_seen_subcommand_from add list show rename edit import deactivate activate help" -f -a "deactivate" -d 'Deactivate an organization: workflows can no longer use its mappings'
complete -c orgmap -n "__fish_orgmap_using_subcommand org; and not __fish_seen_subcommand_from add list show rename edit import deactivate activate help" -f -a "activate" -d 'Activate an organization again'
complete -c orgmap -n "__fish_orgmap_using_subcommand org; and not __fish_seen_subcommand_from add list show rename edit import deactivate activate help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c orgmap -n "__fish_orgmap_using_subcommand org; and __fish_seen_subcommand_from add" -l name -d 'Its display name' -r
complete -c orgmap -n "__fish_orgmap_using_subcommand org; and __fish_seen_subcommand_from add" -l domain -d 'One of its domains, such as acme.com (repeatable); public mail domains are refused' -r
complete -c orgmap -n "__fish_orgmap_using_subcommand org; and __fish_seen_subcommand_from add" -l alias -d 'A former or trading name (repeatable)' -r
complete -c orgmap -n "__fish_orgmap_using_subcommand org; and __fish_seen_subcommand_from add" -l config -d 'The integrations file [env: ORGMAP_CONFIG] [default: ./integrations.toml if you own it, else the XDG config dir]' -r -F
complete -c orgmap -n "__fish_orgmap_using_subcommand org; and __fish_seen_subcommand_from add" -l store -d 'The store: a directory, or postgres://USER@HOST/DB [env: ORGMAP_STORE] [default: [store] url in the config, else ~/.local/share/orgmap]' -r -F
complete -c orgmap -n "__fish_orgmap_using_subcommand org; and __fish_seen_subcommand_from add" -l color -d 'When to colour messages on stderr' -r -f -a "auto\t''
always\t''
never\t''"
complete -c orgmap -n "__fish_orgmap_using_subcommand org; and __fish_seen_subcommand_from add" -l json -d 'Print results as JSON (errors too, on stderr)'
complete -c orgmap -n "__fish_orgmap_using_subcommand org; and __fish_seen_subcommand_from add" -s q -l quiet -d 'Print no status messages'
complete -c orgmap -n "__fish_orgmap_using_subcommand org; and __fish_seen_subcommand_from add" -s v -l verbose -d 'Say which config and store are used'
complete -c orgmap -n "__fish_orgmap_using_subcommand org; and __fish_seen_subcommand_from add" -l no-input -d 'Never prompt; fail with a hint when a value is missing'
complete -c orgmap -n "__fish_orgmap_using_subcommand org; and __fish_seen_subcommand_from add" -s h -l help -d 'Print help'
complete -c orgmap -n "__fish_orgmap_using_subcommand org; and __fish_seen_subcommand_from list" -l config -d 'The integrations file [env: ORGMAP_CONFIG] [default: ./integrations.toml if you own it, else the XDG config dir]' -r -F
complete -c orgmap -n "__fish_orgmap_using_subcommand org; and __fish_seen_subcommand_from list" -l store -d 'The store: a directory, or postgres://USER@HOST/DB [env: ORGMAP_STORE] [default: [store] url in the config, else ~/.local/share/orgmap]' -r -F
complete -c orgmap -n "__fish_orgmap_using_subcommand org; and __fish_seen_subcommand_from list" -l color -d 'When to colour messages on stderr' -r -f -a "auto\t''
always\t''
never\t''"
complete -c orgmap -n "__fish_orgmap_using_subcommand org; and __fish_seen_subcommand_from list" -l active -d 'Only active organizations'
complete -c orgmap -n "__fish_orgmap_using_subcommand org; and __fish_seen_subcommand_from list" -l json -d 'Print results as JSON (errors too, on stderr)'
complete -c orgmap -n "__fish_orgmap_using_subcommand org; and __fish_seen_subcommand_from list" -s q -l quiet -d 'Print no status messages'
complete -c orgmap -n "__fish_orgmap_using_subcommand org; and __fish_seen_subcommand_from list" -s v -l verbose -d 'Say which config and store are used'
complete -c orgmap -n "__fish_orgmap_using_subcommand org; and __fish_seen_subcommand_from list" -l no-input -d 'Never prompt; fail with a hint when a value is missing'
complete -c orgmap -n "__fish_orgmap_using_subcommand org; and __fish_seen_subcommand_from list" -s h -l help -d 'Print help'
complete -c orgmap -n "__fish_orgmap_using_subcommand org; and __fish_seen_subcommand_from show" -l config -d 'The integrations file [env: ORGMAP_CONFIG] [default: ./integrations.toml if you own it, else the XDG config dir]' -r -F
complete -c orgmap -n "__fish_orgmap_using_subcommand org; and __fish_seen_subcommand_from show" -l store -d 'The store: a directory, or postgres://USER@HOST/DB [env: ORGMAP_STORE] [default: [store] url in the config, else ~/.local/share/orgmap]' -r -F
complete -c orgmap -n "__fish_orgmap_using_subcommand org; and __fish_seen_subcommand_from show" -l color -d 'When to colour messages on stderr' -r -f -a "auto\t''
always\t''
never\t''"
complete -c orgmap -n "__fish_orgmap_using_subcommand org; and __fish_seen_subcommand_from show" -l json -d 'Print results as JSON (errors too, on stderr)'
complete -c orgmap -n "__fish_orgmap_using_subcommand org; and __fish_seen_subcommand_from show" -s q -l quiet -d 'Print no status messages'
complete -c orgmap -n "__fish_orgmap_using_subcommand org; and __fish_seen_subcommand_from show" -s v -l verbose -d 'Say which config and store are used'
complete -c orgmap -n "__fish_orgmap_using_subcommand org; and __fish_seen_subcommand_from show" -l no-input -d 'Never prompt; fail with a hint when a value is missing'
complete -c orgmap -n "__fish_orgmap_using_subcommand org; and __fish_seen_subcommand_from show" -s h -l help -d 'Print help'
complete -c orgmap -n "__fish_orgmap_using_subcommand org; and __fish_seen_subcommand_from rename" -l config -d 'The integrations file [env: ORGMAP_CONFIG] [default: ./integrations.toml if you own it, else the XDG config dir]' -r -F
complete -c orgmap -n "__fish_orgmap_using_subcommand org; and __fish_seen_subcommand_from rename" -l store -d 'The store: a directory, or postgres://USER@HOST/DB [env: ORGMAP_STORE] [default: [store] url in the config, else ~/.local/share/orgmap]' -r -F
complete -c orgmap -n "__fish_orgmap_using_subcommand org; and __fish_seen_subcommand_from rename" -l color -d 'When to colour messages on stderr' -r -f -a "auto\t''
always\t''
never\t''"
complete -c orgmap -n "__fish_orgmap_using_subcommand org; and __fish_seen_subcommand_from rename" -l json -d 'Print results as JSON (errors too, on stderr)'
complete -c orgmap -n "__fish_orgmap_using_subcommand org; and __fish_seen_subcommand_from rename" -s q -l quiet -d 'Print no status messages'
complete -c orgmap -n "__fish_orgmap_using_subcommand org; and __fish_seen_subcommand_from rename" -s v -l verbose -d 'Say which config and store are used'
complete -c orgmap -n "__fish_orgmap_using_subcommand org; and __fish_seen_subcommand_from rename" -l no-input -d 'Never prompt; fail with a hint when a value is missing'
complete -c orgmap -n "__fish_orgmap_using_subcommand org; and __fish_seen_subcommand_from rename" -s h -l help -d 'Print help'
complete -c orgmap -n "__fish_orgmap_using_subcommand org; and __fish_seen_subcommand_from edit" -l name -d 'A new display name' -r
complete -c orgmap -n "__fish_orgmap_using_subcommand org; and __fish_seen_subcommand_from edit" -l domain -d 'Add a domain (repeatable)' -r
complete -c orgmap -n "__fish_orgmap_using_subcommand org; and __fish_seen_subcommand_from edit" -l remove-domain -d 'Remove a domain (repeatable)' -r
complete -c orgmap -n "__fish_orgmap_using_subcommand org; and __fish_seen_subcommand_from edit" -l alias -d 'Add an alias: a former or trading name (repeatable)' -r
complete -c orgmap -n "__fish_orgmap_using_subcommand org; and __fish_seen_subcommand_from edit" -l remove-alias -d 'Remove an alias (repeatable)' -r
complete -c orgmap -n "__fish_orgmap_using_subcommand org; and __fish_seen_subcommand_from edit" -l config -d 'The integrations file [env: ORGMAP_CONFIG] [default: ./integrations.toml if you own it, else the XDG config dir]' -r -F
complete -c orgmap -n "__fish_orgmap_using_subcommand org; and __fish_seen_subcommand_from edit" -l store -d 'The store: a directory, or postgres://USER@HOST/DB [env: ORGMAP_STORE] [default: [store] url in the config, else ~/.local/share/orgmap]' -r -F
complete -c orgmap -n "__fish_orgmap_using_subcommand org; and __fish_seen_subcommand_from edit" -l color -d 'When to colour messages on stderr' -r -f -a "auto\t''
always\t''
never\t''"
complete -c orgmap -n "__fish_orgmap_using_subcommand org; and __fish_seen_subcommand_from edit" -l json -d 'Print results as JSON (errors too, on stderr)'
complete -c orgmap -n "__fish_orgmap_using_subcommand org; and __fish_seen_subcommand_from edit" -s q -l quiet -d 'Print no status messages'
complete -c orgmap -n "__fish_orgmap_using_subcommand org; and __fish_seen_subcommand_from edit" -s v -l verbose -d 'Say which config and store are used'
complete -c orgmap -n "__fish_orgmap_using_subcommand org; and __fish_seen_subcommand_from edit" -l no-input -d 'Never prompt; fail with a hint when a value is missing'
complete -c orgmap -n "__fish_orgmap_using_subcommand org; and __fish_seen_subcommand_from edit" -s h -l help -d 'Print help'
complete -c orgmap -n "__fish_orgmap_using_subcommand org; and __fish_seen_subcommand_from import" -l search -d 'Only external organizations whose ID or name contains TEXT' -r
complete -c orgmap -n "__fish_orgmap_using_subcommand org; and __fish_seen_subcommand_from import" -l config -d 'The integrations file [env: ORGMAP_CONFIG] [default: ./integrations.toml if you own it, else the XDG config dir]' -r -F
complete -c orgmap -n "__fish_orgmap_using_subcommand org; and __fish_seen_subcommand_from import" -l store -d 'The store: a directory, or postgres://USER@HOST/DB [env: ORGMAP_STORE] [default: [store] url in the config, else ~/.local/share/orgmap]' -r -F
complete -c orgmap -n "__fish_orgmap_using_subcommand org; and __fish_seen_subcommand_from import" -l color -d 'When to colour messages on stderr' -r -f -a "auto\t''
always\t''
never\t''"
complete -c orgmap -n "__fish_orgmap_using_subcommand org; and __fish_seen_subcommand_from import" -l dry-run -d 'Show what would be created without changing anything'
complete -c orgmap -n "__fish_orgmap_using_subcommand org; and __fish_seen_subcommand_from import" -l include-inactive -d 'Also import external organizations the integration lists as inactive'
complete -c orgmap -n "__fish_orgmap_using_subcommand org; and __fish_seen_subcommand_from import" -l refresh -d 'Fetch the integration\'s list even when the cached one is fresh'
complete -c orgmap -n "__fish_orgmap_using_subcommand org; and __fish_seen_subcommand_from import" -l json -d 'Print results as JSON (errors too, on stderr)'
complete -c orgmap -n "__fish_orgmap_using_subcommand org; and __fish_seen_subcommand_from import" -s q -l quiet -d 'Print no status messages'
complete -c orgmap -n "__fish_orgmap_using_subcommand org; and __fish_seen_subcommand_from import" -s v -l verbose -d 'Say which config and store are used'
complete -c orgmap -n "__fish_orgmap_using_subcommand org; and __fish_seen_subcommand_from import" -l no-input -d 'Never prompt; fail with a hint when a value is missing'
complete -c orgmap -n "__fish_orgmap_using_subcommand org; and __fish_seen_subcommand_from import" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c orgmap -n "__fish_orgmap_using_subcommand org; and __fish_seen_subcommand_from deactivate" -l config -d 'The integrations file [env: ORGMAP_CONFIG] [default: ./integrations.toml if you own it, else the XDG config dir]' -r -F
complete -c orgmap -n "__fish_orgmap_using_subcommand org; and __fish_seen_subcommand_from deactivate" -l store -d 'The store: a directory, or postgres://USER@HOST/DB [env: ORGMAP_STORE] [default: [store] url in the config, else ~/.local/share/orgmap]' -r -F
complete -c orgmap -n "__fish_orgmap_using_subcommand org; and __fish_seen_subcommand_from deactivate" -l color -d 'When to colour messages on stderr' -r -f -a "auto\t''
always\t''
never\t''"
complete -c orgmap -n "__fish_orgmap_using_subcommand org; and __fish_seen_subcommand_from deactivate" -l json -d 'Print results as JSON (errors too, on stderr)'
complete -c orgmap -n "__fish_orgmap_using_subcommand org; and __fish_seen_subcommand_from deactivate" -s q -l quiet -d 'Print no status messages'
complete -c orgmap -n "__fish_orgmap_using_subcommand org; and __fish_seen_subcommand_from deactivate" -s v -l verbose -d 'Say which config and store are used'
complete -c orgmap -n "__fish_orgmap_using_subcommand org; and __fish_seen_subcommand_from deactivate" -l no-input -d 'Never prompt; fail with a hint when a value is missing'
complete -c orgmap -n "__fish_orgmap_using_subcommand org; and __fish_seen_subcommand_from deactivate" -s h -l help -d 'Print help'
complete -c orgmap -n "__fish_orgmap_using_subcommand org; and __fish_seen_subcommand_from activate" -l config -d 'The integrations file [env: ORGMAP_CONFIG] [default: ./integrations.toml if you own it, else the XDG config dir]' -r -F
complete -c orgmap -n "__fish_orgmap_using_subcommand org; and __fish_seen_subcommand_from activate" -l store -d 'The store: a directory, or postgres://USER@HOST/DB [env: ORGMAP_STORE] [default: [store] url in the config, else ~/.local/share/orgmap]' -r -F
complete -c orgmap -n "__fish_orgmap_using_subcommand org; and __fish_seen_subcommand_from activate" -l color -d 'When to colour messages on stderr' -r -f -a "auto\t''
always\t''
never\t''"
complete -c orgmap -n "__fish_orgmap_using_subcommand org; and __fish_seen_subcommand_from activate" -l json -d 'Print results as JSON (errors too, on stderr)'
complete -c orgmap -n "__fish_orgmap_using_subcommand org; and __fish_seen_subcommand_from activate" -s q -l quiet -d 'Print no status messages'
complete -c orgmap -n "__fish_orgmap_using_subcommand org; and __fish_seen_subcommand_from activate" -s v -l verbose -d 'Say which config and store are used'
complete -c orgmap -n "__fish_orgmap_using_subcommand org; and __fish_seen_subcommand_from activate" -l no-input -d 'Never prompt; fail with a hint when a value is missing'
complete -c orgmap -n "__fish_orgmap_using_subcommand org; and __fish_seen_subcommand_from activate" -s h -l help -d 'Print help'
complete -c orgmap -n "__fish_orgmap_using_subcommand org; and __fish_seen_subcommand_from help" -f -a "add" -d 'Add an organization (adding an identical one again changes nothing)'
complete -c orgmap -n "__fish_orgmap_using_subcommand org; and __fish_seen_subcommand_from help" -f -a "list" -d 'List organizations'
complete -c orgmap -n "__fish_orgmap_using_subcommand org; and __fish_seen_subcommand_from help" -f -a "show" -d 'Show an organization and all its mappings'
complete -c orgmap -n "__fish_orgmap_using_subcommand org; and __fish_seen_subcommand_from help" -f -a "rename" -d 'Give an organization a new display name'
complete -c orgmap -n "__fish_orgmap_using_subcommand org; and __fish_seen_subcommand_from help" -f -a "edit" -d 'Change an organization\'s name, domains and aliases (what matching uses)'
complete -c orgmap -n "__fish_orgmap_using_subcommand org; and __fish_seen_subcommand_from help" -f -a "import" -d 'Create an organization, with its mapping, for each external organization of a system of record that no organization maps yet'
complete -c orgmap -n "__fish_orgmap_using_subcommand org; and __fish_seen_subcommand_from help" -f -a "deactivate" -d 'Deactivate an organization: workflows can no longer use its mappings'
complete -c orgmap -n "__fish_orgmap_using_subcommand org; and __fish_seen_subcommand_from help" -f -a "activate" -d 'Activate an organization again'
complete -c orgmap -n "__fish_orgmap_using_subcommand org; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c orgmap -n "__fish_orgmap_using_subcommand integrations" -l config -d 'The integrations file [env: ORGMAP_CONFIG] [default: ./integrations.toml if you own it, else the XDG config dir]' -r -F
complete -c orgmap -n "__fish_orgmap_using_subcommand integrations" -l store -d 'The store: a directory, or postgres://USER@HOST/DB [env: ORGMAP_STORE] [default: [store] url in the config, else ~/.local/share/orgmap]' -r -F
complete -c orgmap -n "__fish_orgmap_using_subcommand integrations" -l color -d 'When to colour messages on stderr' -r -f -a "auto\t''
always\t''
never\t''"
complete -c orgmap -n "__fish_orgmap_using_subcommand integrations" -l json -d 'Print results as JSON (errors too, on stderr)'
complete -c orgmap -n "__fish_orgmap_using_subcommand integrations" -s q -l quiet -d 'Print no status messages'
complete -c orgmap -n "__fish_orgmap_using_subcommand integrations" -s v -l verbose -d 'Say which config and store are used'
complete -c orgmap -n "__fish_orgmap_using_subcommand integrations" -l no-input -d 'Never prompt; fail with a hint when a value is missing'
complete -c orgmap -n "__fish_orgmap_using_subcommand integrations" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c orgmap -n "__fish_orgmap_using_subcommand discover" -s s -l search -d 'Only organizations whose name or ID contains this text (case-insensitive)' -r
complete -c orgmap -n "__fish_orgmap_using_subcommand discover" -l limit -d 'Show at most N organizations' -r
complete -c orgmap -n "__fish_orgmap_using_subcommand discover" -l config -d 'The integrations file [env: ORGMAP_CONFIG] [default: ./integrations.toml if you own it, else the XDG config dir]' -r -F
complete -c orgmap -n "__fish_orgmap_using_subcommand discover" -l store -d 'The store: a directory, or postgres://USER@HOST/DB [env: ORGMAP_STORE] [default: [store] url in the config, else ~/.local/share/orgmap]' -r -F
complete -c orgmap -n "__fish_orgmap_using_subcommand discover" -l color -d 'When to colour messages on stderr' -r -f -a "auto\t''
always\t''
never\t''"
complete -c orgmap -n "__fish_orgmap_using_subcommand discover" -l refresh -d 'Fetch now, even when the cached list is fresh'
complete -c orgmap -n "__fish_orgmap_using_subcommand discover" -l offline -d 'Never fetch: show the cached list, however old'
complete -c orgmap -n "__fish_orgmap_using_subcommand discover" -l select -d 'Pick one by fuzzy search on the terminal and print its ID (for `id=$(orgmap discover … --select)`)'
complete -c orgmap -n "__fish_orgmap_using_subcommand discover" -l json -d 'Print results as JSON (errors too, on stderr)'
complete -c orgmap -n "__fish_orgmap_using_subcommand discover" -s q -l quiet -d 'Print no status messages'
complete -c orgmap -n "__fish_orgmap_using_subcommand discover" -s v -l verbose -d 'Say which config and store are used'
complete -c orgmap -n "__fish_orgmap_using_subcommand discover" -l no-input -d 'Never prompt; fail with a hint when a value is missing'
complete -c orgmap -n "__fish_orgmap_using_subcommand discover" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c orgmap -n "__fish_orgmap_using_subcommand refresh" -l config -d 'The integrations file [env: ORGMAP_CONFIG] [default: ./integrations.toml if you own it, else the XDG config dir]' -r -F
complete -c orgmap -n "__fish_orgmap_using_subcommand refresh" -l store -d 'The store: a directory, or postgres://USER@HOST/DB [env: ORGMAP_STORE] [default: [store] url in the config, else ~/.local/share/orgmap]' -r -F
complete -c orgmap -n "__fish_orgmap_using_subcommand refresh" -l color -d 'When to colour messages on stderr' -r -f -a "auto\t''
always\t''
never\t''"
complete -c orgmap -n "__fish_orgmap_using_subcommand refresh" -l json -d 'Print results as JSON (errors too, on stderr)'
complete -c orgmap -n "__fish_orgmap_using_subcommand refresh" -s q -l quiet -d 'Print no status messages'
complete -c orgmap -n "__fish_orgmap_using_subcommand refresh" -s v -l verbose -d 'Say which config and store are used'
complete -c orgmap -n "__fish_orgmap_using_subcommand refresh" -l no-input -d 'Never prompt; fail with a hint when a value is missing'
complete -c orgmap -n "__fish_orgmap_using_subcommand refresh" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c orgmap -n "__fish_orgmap_using_subcommand map" -l org -d 'The organization to map [env: ORGMAP_ORG]' -r
complete -c orgmap -n "__fish_orgmap_using_subcommand map" -l name -d 'The external organization\'s name, as the external system shows it' -r
complete -c orgmap -n "__fish_orgmap_using_subcommand map" -l label -d 'A label that tells this mapping apart from the org\'s other mappings of the integration' -r
complete -c orgmap -n "__fish_orgmap_using_subcommand map" -l meta -d 'Set metadata KEY to the string VALUE (repeatable)' -r
complete -c orgmap -n "__fish_orgmap_using_subcommand map" -l meta-json -d 'Set metadata KEY to a typed JSON value: number, boolean, list, object (repeatable)' -r
complete -c orgmap -n "__fish_orgmap_using_subcommand map" -l config -d 'The integrations file [env: ORGMAP_CONFIG] [default: ./integrations.toml if you own it, else the XDG config dir]' -r -F
complete -c orgmap -n "__fish_orgmap_using_subcommand map" -l store -d 'The store: a directory, or postgres://USER@HOST/DB [env: ORGMAP_STORE] [default: [store] url in the config, else ~/.local/share/orgmap]' -r -F
complete -c orgmap -n "__fish_orgmap_using_subcommand map" -l color -d 'When to colour messages on stderr' -r -f -a "auto\t''
always\t''
never\t''"
complete -c orgmap -n "__fish_orgmap_using_subcommand map" -l allow-shared -d 'Allow the external ID to be mapped to another organization too'
complete -c orgmap -n "__fish_orgmap_using_subcommand map" -l add -d 'Add a second mapping when the organization already has one for the integration (give it a --label)'
complete -c orgmap -n "__fish_orgmap_using_subcommand map" -l no-verify -d 'Save without checking the ID with the external system (the mapping is marked unverified)'
complete -c orgmap -n "__fish_orgmap_using_subcommand map" -l json -d 'Print results as JSON (errors too, on stderr)'
complete -c orgmap -n "__fish_orgmap_using_subcommand map" -s q -l quiet -d 'Print no status messages'
complete -c orgmap -n "__fish_orgmap_using_subcommand map" -s v -l verbose -d 'Say which config and store are used'
complete -c orgmap -n "__fish_orgmap_using_subcommand map" -l no-input -d 'Never prompt; fail with a hint when a value is missing'
complete -c orgmap -n "__fish_orgmap_using_subcommand map" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c orgmap -n "__fish_orgmap_using_subcommand edit" -l external-id -d 'A new external organization ID' -r
complete -c orgmap -n "__fish_orgmap_using_subcommand edit" -l name -d 'A new external organization name' -r
complete -c orgmap -n "__fish_orgmap_using_subcommand edit" -l label -d 'A new label' -r
complete -c orgmap -n "__fish_orgmap_using_subcommand edit" -l meta -d 'Set metadata KEY to the string VALUE (repeatable)' -r
complete -c orgmap -n "__fish_orgmap_using_subcommand edit" -l meta-json -d 'Set metadata KEY to a typed JSON value: number, boolean, list, object (repeatable)' -r
complete -c orgmap -n "__fish_orgmap_using_subcommand edit" -l unset-meta -d 'Remove metadata KEY (repeatable)' -r
complete -c orgmap -n "__fish_orgmap_using_subcommand edit" -l if-revision -d 'Refuse the edit unless the mapping is still at this revision' -r
complete -c orgmap -n "__fish_orgmap_using_subcommand edit" -l config -d 'The integrations file [env: ORGMAP_CONFIG] [default: ./integrations.toml if you own it, else the XDG config dir]' -r -F
complete -c orgmap -n "__fish_orgmap_using_subcommand edit" -l store -d 'The store: a directory, or postgres://USER@HOST/DB [env: ORGMAP_STORE] [default: [store] url in the config, else ~/.local/share/orgmap]' -r -F
complete -c orgmap -n "__fish_orgmap_using_subcommand edit" -l color -d 'When to colour messages on stderr' -r -f -a "auto\t''
always\t''
never\t''"
complete -c orgmap -n "__fish_orgmap_using_subcommand edit" -l clear-name -d 'Remove the external organization name'
complete -c orgmap -n "__fish_orgmap_using_subcommand edit" -l clear-label -d 'Remove the label'
complete -c orgmap -n "__fish_orgmap_using_subcommand edit" -l activate -d 'Make the mapping usable by workflows again'
complete -c orgmap -n "__fish_orgmap_using_subcommand edit" -l deactivate -d 'Keep the mapping but hide it from workflows'
complete -c orgmap -n "__fish_orgmap_using_subcommand edit" -l allow-shared -d 'Allow the new external ID to be mapped to another organization too'
complete -c orgmap -n "__fish_orgmap_using_subcommand edit" -l no-verify -d 'Save without checking the ID with the external system (the mapping is marked unverified)'
complete -c orgmap -n "__fish_orgmap_using_subcommand edit" -l json -d 'Print results as JSON (errors too, on stderr)'
complete -c orgmap -n "__fish_orgmap_using_subcommand edit" -s q -l quiet -d 'Print no status messages'
complete -c orgmap -n "__fish_orgmap_using_subcommand edit" -s v -l verbose -d 'Say which config and store are used'
complete -c orgmap -n "__fish_orgmap_using_subcommand edit" -l no-input -d 'Never prompt; fail with a hint when a value is missing'
complete -c orgmap -n "__fish_orgmap_using_subcommand edit" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c orgmap -n "__fish_orgmap_using_subcommand unmap" -l org -d 'The organization, when TARGET is an integration [env: ORGMAP_ORG]' -r
complete -c orgmap -n "__fish_orgmap_using_subcommand unmap" -l mapping-id -d 'Which of several mappings, when TARGET is an integration' -r
complete -c orgmap -n "__fish_orgmap_using_subcommand unmap" -l config -d 'The integrations file [env: ORGMAP_CONFIG] [default: ./integrations.toml if you own it, else the XDG config dir]' -r -F
complete -c orgmap -n "__fish_orgmap_using_subcommand unmap" -l store -d 'The store: a directory, or postgres://USER@HOST/DB [env: ORGMAP_STORE] [default: [store] url in the config, else ~/.local/share/orgmap]' -r -F
complete -c orgmap -n "__fish_orgmap_using_subcommand unmap" -l color -d 'When to colour messages on stderr' -r -f -a "auto\t''
always\t''
never\t''"
complete -c orgmap -n "__fish_orgmap_using_subcommand unmap" -s y -l yes -d 'Delete without asking'
complete -c orgmap -n "__fish_orgmap_using_subcommand unmap" -l json -d 'Print results as JSON (errors too, on stderr)'
complete -c orgmap -n "__fish_orgmap_using_subcommand unmap" -s q -l quiet -d 'Print no status messages'
complete -c orgmap -n "__fish_orgmap_using_subcommand unmap" -s v -l verbose -d 'Say which config and store are used'
complete -c orgmap -n "__fish_orgmap_using_subcommand unmap" -l no-input -d 'Never prompt; fail with a hint when a value is missing'
complete -c orgmap -n "__fish_orgmap_using_subcommand unmap" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c orgmap -n "__fish_orgmap_using_subcommand list" -l org -d 'Only this organization\'s mappings' -r
complete -c orgmap -n "__fish_orgmap_using_subcommand list" -l integration -d 'Only this integration\'s mappings' -r
complete -c orgmap -n "__fish_orgmap_using_subcommand list" -l config -d 'The integrations file [env: ORGMAP_CONFIG] [default: ./integrations.toml if you own it, else the XDG config dir]' -r -F
complete -c orgmap -n "__fish_orgmap_using_subcommand list" -l store -d 'The store: a directory, or postgres://USER@HOST/DB [env: ORGMAP_STORE] [default: [store] url in the config, else ~/.local/share/orgmap]' -r -F
complete -c orgmap -n "__fish_orgmap_using_subcommand list" -l color -d 'When to colour messages on stderr' -r -f -a "auto\t''
always\t''
never\t''"
complete -c orgmap -n "__fish_orgmap_using_subcommand list" -l unmapped -d 'List active organizations without an active mapping for --integration instead'
complete -c orgmap -n "__fish_orgmap_using_subcommand list" -l unverified -d 'Only mappings whose external ID was not checked against the external system'
complete -c orgmap -n "__fish_orgmap_using_subcommand list" -l active -d 'Only active mappings'
complete -c orgmap -n "__fish_orgmap_using_subcommand list" -l stale -d 'Only mappings whose external organization was renamed or is missing in the integration\'s last discovered list'
complete -c orgmap -n "__fish_orgmap_using_subcommand list" -l json -d 'Print results as JSON (errors too, on stderr)'
complete -c orgmap -n "__fish_orgmap_using_subcommand list" -s q -l quiet -d 'Print no status messages'
complete -c orgmap -n "__fish_orgmap_using_subcommand list" -s v -l verbose -d 'Say which config and store are used'
complete -c orgmap -n "__fish_orgmap_using_subcommand list" -l no-input -d 'Never prompt; fail with a hint when a value is missing'
complete -c orgmap -n "__fish_orgmap_using_subcommand list" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c orgmap -n "__fish_orgmap_using_subcommand get" -l org -d 'The organization [env: ORGMAP_ORG]' -r
complete -c orgmap -n "__fish_orgmap_using_subcommand get" -l mapping-id -d 'Which of several mappings (its ID or a unique prefix)' -r
complete -c orgmap -n "__fish_orgmap_using_subcommand get" -l field -d 'Print only this field: external_org_id, external_org_name, label, mapping_id, metadata.KEY, ...' -r
complete -c orgmap -n "__fish_orgmap_using_subcommand get" -l config -d 'The integrations file [env: ORGMAP_CONFIG] [default: ./integrations.toml if you own it, else the XDG config dir]' -r -F
complete -c orgmap -n "__fish_orgmap_using_subcommand get" -l store -d 'The store: a directory, or postgres://USER@HOST/DB [env: ORGMAP_STORE] [default: [store] url in the config, else ~/.local/share/orgmap]' -r -F
complete -c orgmap -n "__fish_orgmap_using_subcommand get" -l color -d 'When to colour messages on stderr' -r -f -a "auto\t''
always\t''
never\t''"
complete -c orgmap -n "__fish_orgmap_using_subcommand get" -l json -d 'Print results as JSON (errors too, on stderr)'
complete -c orgmap -n "__fish_orgmap_using_subcommand get" -s q -l quiet -d 'Print no status messages'
complete -c orgmap -n "__fish_orgmap_using_subcommand get" -s v -l verbose -d 'Say which config and store are used'
complete -c orgmap -n "__fish_orgmap_using_subcommand get" -l no-input -d 'Never prompt; fail with a hint when a value is missing'
complete -c orgmap -n "__fish_orgmap_using_subcommand get" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c orgmap -n "__fish_orgmap_using_subcommand set" -l org -d 'The organization [env: ORGMAP_ORG]' -r
complete -c orgmap -n "__fish_orgmap_using_subcommand set" -l mapping-id -d 'Which of several mappings to update (its ID or a unique prefix)' -r
complete -c orgmap -n "__fish_orgmap_using_subcommand set" -l name -d 'The external organization\'s name' -r
complete -c orgmap -n "__fish_orgmap_using_subcommand set" -l label -d 'A label for the mapping' -r
complete -c orgmap -n "__fish_orgmap_using_subcommand set" -l meta -d 'Set metadata KEY to the string VALUE (repeatable)' -r
complete -c orgmap -n "__fish_orgmap_using_subcommand set" -l meta-json -d 'Set metadata KEY to a typed JSON value: number, boolean, list, object (repeatable)' -r
complete -c orgmap -n "__fish_orgmap_using_subcommand set" -l unset-meta -d 'Remove metadata KEY (repeatable)' -r
complete -c orgmap -n "__fish_orgmap_using_subcommand set" -l config -d 'The integrations file [env: ORGMAP_CONFIG] [default: ./integrations.toml if you own it, else the XDG config dir]' -r -F
complete -c orgmap -n "__fish_orgmap_using_subcommand set" -l store -d 'The store: a directory, or postgres://USER@HOST/DB [env: ORGMAP_STORE] [default: [store] url in the config, else ~/.local/share/orgmap]' -r -F
complete -c orgmap -n "__fish_orgmap_using_subcommand set" -l color -d 'When to colour messages on stderr' -r -f -a "auto\t''
always\t''
never\t''"
complete -c orgmap -n "__fish_orgmap_using_subcommand set" -l allow-shared -d 'Allow the external ID to be mapped to another organization too'
complete -c orgmap -n "__fish_orgmap_using_subcommand set" -l no-verify -d 'Save without checking the ID with the external system (the mapping is marked unverified)'
complete -c orgmap -n "__fish_orgmap_using_subcommand set" -l json -d 'Print results as JSON (errors too, on stderr)'
complete -c orgmap -n "__fish_orgmap_using_subcommand set" -s q -l quiet -d 'Print no status messages'
complete -c orgmap -n "__fish_orgmap_using_subcommand set" -s v -l verbose -d 'Say which config and store are used'
complete -c orgmap -n "__fish_orgmap_using_subcommand set" -l no-input -d 'Never prompt; fail with a hint when a value is missing'
complete -c orgmap -n "__fish_orgmap_using_subcommand set" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c orgmap -n "__fish_orgmap_using_subcommand lookup" -l config -d 'The integrations file [env: ORGMAP_CONFIG] [default: ./integrations.toml if you own it, else the XDG config dir]' -r -F
complete -c orgmap -n "__fish_orgmap_using_subcommand lookup" -l store -d 'The store: a directory, or postgres://USER@HOST/DB [env: ORGMAP_STORE] [default: [store] url in the config, else ~/.local/share/orgmap]' -r -F
complete -c orgmap -n "__fish_orgmap_using_subcommand lookup" -l color -d 'When to colour messages on stderr' -r -f -a "auto\t''
always\t''
never\t''"
complete -c orgmap -n "__fish_orgmap_using_subcommand lookup" -l include-inactive -d 'Include inactive mappings'
complete -c orgmap -n "__fish_orgmap_using_subcommand lookup" -l json -d 'Print results as JSON (errors too, on stderr)'
complete -c orgmap -n "__fish_orgmap_using_subcommand lookup" -s q -l quiet -d 'Print no status messages'
complete -c orgmap -n "__fish_orgmap_using_subcommand lookup" -s v -l verbose -d 'Say which config and store are used'
complete -c orgmap -n "__fish_orgmap_using_subcommand lookup" -l no-input -d 'Never prompt; fail with a hint when a value is missing'
complete -c orgmap -n "__fish_orgmap_using_subcommand lookup" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c orgmap -n "__fish_orgmap_using_subcommand test" -l org -d 'The organization: with an integration as TARGET, or to narrow --all [env: ORGMAP_ORG]' -r
complete -c orgmap -n "__fish_orgmap_using_subcommand test" -l mapping-id -d 'Which of several mappings, when TARGET is an integration' -r
complete -c orgmap -n "__fish_orgmap_using_subcommand test" -l integration -d 'With --all: only this integration\'s mappings' -r
complete -c orgmap -n "__fish_orgmap_using_subcommand test" -l retries -d 'Retry a throttled (waiting as Retry-After says), failed or timed-out test up to N times [default: the integration\'s `retries` for throttling and server errors; timeouts not]' -r
complete -c orgmap -n "__fish_orgmap_using_subcommand test" -l concurrency -d 'Tests in flight at once' -r
complete -c orgmap -n "__fish_orgmap_using_subcommand test" -l config -d 'The integrations file [env: ORGMAP_CONFIG] [default: ./integrations.toml if you own it, else the XDG config dir]' -r -F
complete -c orgmap -n "__fish_orgmap_using_subcommand test" -l store -d 'The store: a directory, or postgres://USER@HOST/DB [env: ORGMAP_STORE] [default: [store] url in the config, else ~/.local/share/orgmap]' -r -F
complete -c orgmap -n "__fish_orgmap_using_subcommand test" -l color -d 'When to colour messages on stderr' -r -f -a "auto\t''
always\t''
never\t''"
complete -c orgmap -n "__fish_orgmap_using_subcommand test" -l all -d 'Test every active mapping (narrowed by --org and --integration)'
complete -c orgmap -n "__fish_orgmap_using_subcommand test" -l json -d 'Print results as JSON (errors too, on stderr)'
complete -c orgmap -n "__fish_orgmap_using_subcommand test" -s q -l quiet -d 'Print no status messages'
complete -c orgmap -n "__fish_orgmap_using_subcommand test" -s v -l verbose -d 'Say which config and store are used'
complete -c orgmap -n "__fish_orgmap_using_subcommand test" -l no-input -d 'Never prompt; fail with a hint when a value is missing'
complete -c orgmap -n "__fish_orgmap_using_subcommand test" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c orgmap -n "__fish_orgmap_using_subcommand audit" -l org -d 'Only events about this organization' -r
complete -c orgmap -n "__fish_orgmap_using_subcommand audit" -l integration -d 'Only events about this integration\'s mappings' -r
complete -c orgmap -n "__fish_orgmap_using_subcommand audit" -l actor -d 'Only events by this actor' -r
complete -c orgmap -n "__fish_orgmap_using_subcommand audit" -l since -d 'Only events since a time (2026-11-01T00:00:00Z) or for a duration back (24h, 7d)' -r
complete -c orgmap -n "__fish_orgmap_using_subcommand audit" -l limit -d 'Show at most N events (0 = all)' -r
complete -c orgmap -n "__fish_orgmap_using_subcommand audit" -l config -d 'The integrations file [env: ORGMAP_CONFIG] [default: ./integrations.toml if you own it, else the XDG config dir]' -r -F
complete -c orgmap -n "__fish_orgmap_using_subcommand audit" -l store -d 'The store: a directory, or postgres://USER@HOST/DB [env: ORGMAP_STORE] [default: [store] url in the config, else ~/.local/share/orgmap]' -r -F
complete -c orgmap -n "__fish_orgmap_using_subcommand audit" -l color -d 'When to colour messages on stderr' -r -f -a "auto\t''
always\t''
never\t''"
complete -c orgmap -n "__fish_orgmap_using_subcommand audit" -l json -d 'Print results as JSON (errors too, on stderr)'
complete -c orgmap -n "__fish_orgmap_using_subcommand audit" -s q -l quiet -d 'Print no status messages'
complete -c orgmap -n "__fish_orgmap_using_subcommand audit" -s v -l verbose -d 'Say which config and store are used'
complete -c orgmap -n "__fish_orgmap_using_subcommand audit" -l no-input -d 'Never prompt; fail with a hint when a value is missing'
complete -c orgmap -n "__fish_orgmap_using_subcommand audit" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c orgmap -n "__fish_orgmap_using_subcommand doctor" -l config -d 'The integrations file [env: ORGMAP_CONFIG] [default: ./integrations.toml if you own it, else the XDG config dir]' -r -F
complete -c orgmap -n "__fish_orgmap_using_subcommand doctor" -l store -d 'The store: a directory, or postgres://USER@HOST/DB [env: ORGMAP_STORE] [default: [store] url in the config, else ~/.local/share/orgmap]' -r -F
complete -c orgmap -n "__fish_orgmap_using_subcommand doctor" -l color -d 'When to colour messages on stderr' -r -f -a "auto\t''
always\t''
never\t''"
complete -c orgmap -n "__fish_orgmap_using_subcommand doctor" -l repair -d 'Rebuild the mapping indexes and remove records that cannot be read'
complete -c orgmap -n "__fish_orgmap_using_subcommand doctor" -l json -d 'Print results as JSON (errors too, on stderr)'
complete -c orgmap -n "__fish_orgmap_using_subcommand doctor" -s q -l quiet -d 'Print no status messages'
complete -c orgmap -n "__fish_orgmap_using_subcommand doctor" -s v -l verbose -d 'Say which config and store are used'
complete -c orgmap -n "__fish_orgmap_using_subcommand doctor" -l no-input -d 'Never prompt; fail with a hint when a value is missing'
complete -c orgmap -n "__fish_orgmap_using_subcommand doctor" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c orgmap -n "__fish_orgmap_using_subcommand export" -s o -l output -d 'Write to this file (mode 0600; written whole or not at all) instead of stdout' -r -F
complete -c orgmap -n "__fish_orgmap_using_subcommand export" -l format -d 'The format: JSON lines, the one `orgmap import` reads' -r -f -a "json\t'One JSON record per line, after a header line'"
complete -c orgmap -n "__fish_orgmap_using_subcommand export" -l config -d 'The integrations file [env: ORGMAP_CONFIG] [default: ./integrations.toml if you own it, else the XDG config dir]' -r -F
complete -c orgmap -n "__fish_orgmap_using_subcommand export" -l store -d 'The store: a directory, or postgres://USER@HOST/DB [env: ORGMAP_STORE] [default: [store] url in the config, else ~/.local/share/orgmap]' -r -F
complete -c orgmap -n "__fish_orgmap_using_subcommand export" -l color -d 'When to colour messages on stderr' -r -f -a "auto\t''
always\t''
never\t''"
complete -c orgmap -n "__fish_orgmap_using_subcommand export" -l json -d 'Print results as JSON (errors too, on stderr)'
complete -c orgmap -n "__fish_orgmap_using_subcommand export" -s q -l quiet -d 'Print no status messages'
complete -c orgmap -n "__fish_orgmap_using_subcommand export" -s v -l verbose -d 'Say which config and store are used'
complete -c orgmap -n "__fish_orgmap_using_subcommand export" -l no-input -d 'Never prompt; fail with a hint when a value is missing'
complete -c orgmap -n "__fish_orgmap_using_subcommand export" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c orgmap -n "__fish_orgmap_using_subcommand import" -l config -d 'The integrations file [env: ORGMAP_CONFIG] [default: ./integrations.toml if you own it, else the XDG config dir]' -r -F
complete -c orgmap -n "__fish_orgmap_using_subcommand import" -l store -d 'The store: a directory, or postgres://USER@HOST/DB [env: ORGMAP_STORE] [default: [store] url in the config, else ~/.local/share/orgmap]' -r -F
complete -c orgmap -n "__fish_orgmap_using_subcommand import" -l color -d 'When to colour messages on stderr' -r -f -a "auto\t''
always\t''
never\t''"
complete -c orgmap -n "__fish_orgmap_using_subcommand import" -l dry-run -d 'Show what would change without changing anything'
complete -c orgmap -n "__fish_orgmap_using_subcommand import" -l allow-shared -d 'Accept mappings whose external ID another organization maps too (as `map --allow-shared`)'
complete -c orgmap -n "__fish_orgmap_using_subcommand import" -l json -d 'Print results as JSON (errors too, on stderr)'
complete -c orgmap -n "__fish_orgmap_using_subcommand import" -s q -l quiet -d 'Print no status messages'
complete -c orgmap -n "__fish_orgmap_using_subcommand import" -s v -l verbose -d 'Say which config and store are used'
complete -c orgmap -n "__fish_orgmap_using_subcommand import" -l no-input -d 'Never prompt; fail with a hint when a value is missing'
complete -c orgmap -n "__fish_orgmap_using_subcommand import" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c orgmap -n "__fish_orgmap_using_subcommand suggest" -l org -d 'Only these organizations (repeatable)' -r
complete -c orgmap -n "__fish_orgmap_using_subcommand suggest" -l plan -d 'Write the suggestions as a plan (JSON lines) for `orgmap apply`' -r -F
complete -c orgmap -n "__fish_orgmap_using_subcommand suggest" -l config -d 'The integrations file [env: ORGMAP_CONFIG] [default: ./integrations.toml if you own it, else the XDG config dir]' -r -F
complete -c orgmap -n "__fish_orgmap_using_subcommand suggest" -l store -d 'The store: a directory, or postgres://USER@HOST/DB [env: ORGMAP_STORE] [default: [store] url in the config, else ~/.local/share/orgmap]' -r -F
complete -c orgmap -n "__fish_orgmap_using_subcommand suggest" -l color -d 'When to colour messages on stderr' -r -f -a "auto\t''
always\t''
never\t''"
complete -c orgmap -n "__fish_orgmap_using_subcommand suggest" -l allow-shared -d 'Also suggest external organizations that another organization maps already'
complete -c orgmap -n "__fish_orgmap_using_subcommand suggest" -l include-inactive -d 'Also suggest external organizations the integration lists as inactive'
complete -c orgmap -n "__fish_orgmap_using_subcommand suggest" -l refresh -d 'Fetch the integration\'s list even when the cached one is fresh'
complete -c orgmap -n "__fish_orgmap_using_subcommand suggest" -l offline -d 'Never fetch: use the cached list, however old'
complete -c orgmap -n "__fish_orgmap_using_subcommand suggest" -l json -d 'Print results as JSON (errors too, on stderr)'
complete -c orgmap -n "__fish_orgmap_using_subcommand suggest" -s q -l quiet -d 'Print no status messages'
complete -c orgmap -n "__fish_orgmap_using_subcommand suggest" -s v -l verbose -d 'Say which config and store are used'
complete -c orgmap -n "__fish_orgmap_using_subcommand suggest" -l no-input -d 'Never prompt; fail with a hint when a value is missing'
complete -c orgmap -n "__fish_orgmap_using_subcommand suggest" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c orgmap -n "__fish_orgmap_using_subcommand apply" -l min-confidence -d 'Leave out rows below this confidence' -r -f -a "high\t''
medium\t''
low\t''"
complete -c orgmap -n "__fish_orgmap_using_subcommand apply" -l config -d 'The integrations file [env: ORGMAP_CONFIG] [default: ./integrations.toml if you own it, else the XDG config dir]' -r -F
complete -c orgmap -n "__fish_orgmap_using_subcommand apply" -l store -d 'The store: a directory, or postgres://USER@HOST/DB [env: ORGMAP_STORE] [default: [store] url in the config, else ~/.local/share/orgmap]' -r -F
complete -c orgmap -n "__fish_orgmap_using_subcommand apply" -l color -d 'When to colour messages on stderr' -r -f -a "auto\t''
always\t''
never\t''"
complete -c orgmap -n "__fish_orgmap_using_subcommand apply" -l dry-run -d 'Show what would be applied without changing anything'
complete -c orgmap -n "__fish_orgmap_using_subcommand apply" -l skip-conflicts -d 'Apply the rows that still hold and report the others, instead of refusing the whole plan'
complete -c orgmap -n "__fish_orgmap_using_subcommand apply" -l allow-shared -d 'Accept external organizations another organization maps too'
complete -c orgmap -n "__fish_orgmap_using_subcommand apply" -l json -d 'Print results as JSON (errors too, on stderr)'
complete -c orgmap -n "__fish_orgmap_using_subcommand apply" -s q -l quiet -d 'Print no status messages'
complete -c orgmap -n "__fish_orgmap_using_subcommand apply" -s v -l verbose -d 'Say which config and store are used'
complete -c orgmap -n "__fish_orgmap_using_subcommand apply" -l no-input -d 'Never prompt; fail with a hint when a value is missing'
complete -c orgmap -n "__fish_orgmap_using_subcommand apply" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c orgmap -n "__fish_orgmap_using_subcommand coverage" -l integration -d 'Only these integrations (repeatable)' -r
complete -c orgmap -n "__fish_orgmap_using_subcommand coverage" -l org -d 'Only these organizations (repeatable)' -r
complete -c orgmap -n "__fish_orgmap_using_subcommand coverage" -l config -d 'The integrations file [env: ORGMAP_CONFIG] [default: ./integrations.toml if you own it, else the XDG config dir]' -r -F
complete -c orgmap -n "__fish_orgmap_using_subcommand coverage" -l store -d 'The store: a directory, or postgres://USER@HOST/DB [env: ORGMAP_STORE] [default: [store] url in the config, else ~/.local/share/orgmap]' -r -F
complete -c orgmap -n "__fish_orgmap_using_subcommand coverage" -l color -d 'When to colour messages on stderr' -r -f -a "auto\t''
always\t''
never\t''"
complete -c orgmap -n "__fish_orgmap_using_subcommand coverage" -l missing -d 'Only organizations with a gap (missing, stale or unverified)'
complete -c orgmap -n "__fish_orgmap_using_subcommand coverage" -l check -d 'Exit 12 when any cell is missing, stale or unverified'
complete -c orgmap -n "__fish_orgmap_using_subcommand coverage" -l json -d 'Print results as JSON (errors too, on stderr)'
complete -c orgmap -n "__fish_orgmap_using_subcommand coverage" -s q -l quiet -d 'Print no status messages'
complete -c orgmap -n "__fish_orgmap_using_subcommand coverage" -s v -l verbose -d 'Say which config and store are used'
complete -c orgmap -n "__fish_orgmap_using_subcommand coverage" -l no-input -d 'Never prompt; fail with a hint when a value is missing'
complete -c orgmap -n "__fish_orgmap_using_subcommand coverage" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c orgmap -n "__fish_orgmap_using_subcommand exclude" -l org -d 'The organization [env: ORGMAP_ORG]' -r
complete -c orgmap -n "__fish_orgmap_using_subcommand exclude" -l reason -d 'Why, for whoever reads the coverage later' -r
complete -c orgmap -n "__fish_orgmap_using_subcommand exclude" -l config -d 'The integrations file [env: ORGMAP_CONFIG] [default: ./integrations.toml if you own it, else the XDG config dir]' -r -F
complete -c orgmap -n "__fish_orgmap_using_subcommand exclude" -l store -d 'The store: a directory, or postgres://USER@HOST/DB [env: ORGMAP_STORE] [default: [store] url in the config, else ~/.local/share/orgmap]' -r -F
complete -c orgmap -n "__fish_orgmap_using_subcommand exclude" -l color -d 'When to colour messages on stderr' -r -f -a "auto\t''
always\t''
never\t''"
complete -c orgmap -n "__fish_orgmap_using_subcommand exclude" -l json -d 'Print results as JSON (errors too, on stderr)'
complete -c orgmap -n "__fish_orgmap_using_subcommand exclude" -s q -l quiet -d 'Print no status messages'
complete -c orgmap -n "__fish_orgmap_using_subcommand exclude" -s v -l verbose -d 'Say which config and store are used'
complete -c orgmap -n "__fish_orgmap_using_subcommand exclude" -l no-input -d 'Never prompt; fail with a hint when a value is missing'
complete -c orgmap -n "__fish_orgmap_using_subcommand exclude" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c orgmap -n "__fish_orgmap_using_subcommand include" -l org -d 'The organization [env: ORGMAP_ORG]' -r
complete -c orgmap -n "__fish_orgmap_using_subcommand include" -l config -d 'The integrations file [env: ORGMAP_CONFIG] [default: ./integrations.toml if you own it, else the XDG config dir]' -r -F
complete -c orgmap -n "__fish_orgmap_using_subcommand include" -l store -d 'The store: a directory, or postgres://USER@HOST/DB [env: ORGMAP_STORE] [default: [store] url in the config, else ~/.local/share/orgmap]' -r -F
complete -c orgmap -n "__fish_orgmap_using_subcommand include" -l color -d 'When to colour messages on stderr' -r -f -a "auto\t''
always\t''
never\t''"
complete -c orgmap -n "__fish_orgmap_using_subcommand include" -l json -d 'Print results as JSON (errors too, on stderr)'
complete -c orgmap -n "__fish_orgmap_using_subcommand include" -s q -l quiet -d 'Print no status messages'
complete -c orgmap -n "__fish_orgmap_using_subcommand include" -s v -l verbose -d 'Say which config and store are used'
complete -c orgmap -n "__fish_orgmap_using_subcommand include" -l no-input -d 'Never prompt; fail with a hint when a value is missing'
complete -c orgmap -n "__fish_orgmap_using_subcommand include" -s h -l help -d 'Print help'
complete -c orgmap -n "__fish_orgmap_using_subcommand access; and not __fish_seen_subcommand_from grant revoke list help" -l config -d 'The integrations file [env: ORGMAP_CONFIG] [default: ./integrations.toml if you own it, else the XDG config dir]' -r -F
complete -c orgmap -n "__fish_orgmap_using_subcommand access; and not __fish_seen_subcommand_from grant revoke list help" -l store -d 'The store: a directory, or postgres://USER@HOST/DB [env: ORGMAP_STORE] [default: [store] url in the config, else ~/.local/share/orgmap]' -r -F
complete -c orgmap -n "__fish_orgmap_using_subcommand access; and not __fish_seen_subcommand_from grant revoke list help" -l color -d 'When to colour messages on stderr' -r -f -a "auto\t''
always\t''
never\t''"
complete -c orgmap -n "__fish_orgmap_using_subcommand access; and not __fish_seen_subcommand_from grant revoke list help" -l json -d 'Print results as JSON (errors too, on stderr)'
complete -c orgmap -n "__fish_orgmap_using_subcommand access; and not __fish_seen_subcommand_from grant revoke list help" -s q -l quiet -d 'Print no status messages'
complete -c orgmap -n "__fish_orgmap_using_subcommand access; and not __fish_seen_subcommand_from grant revoke list help" -s v -l verbose -d 'Say which config and store are used'
complete -c orgmap -n "__fish_orgmap_using_subcommand access; and not __fish_seen_subcommand_from grant revoke list help" -l no-input -d 'Never prompt; fail with a hint when a value is missing'
complete -c orgmap -n "__fish_orgmap_using_subcommand access; and not __fish_seen_subcommand_from grant revoke list help" -s h -l help -d 'Print help'
complete -c orgmap -n "__fish_orgmap_using_subcommand access; and not __fish_seen_subcommand_from grant revoke list help" -f -a "grant" -d 'Grant manage-config to an actor (an ORGMAP_ACTOR name or an OS user)'
complete -c orgmap -n "__fish_orgmap_using_subcommand access; and not __fish_seen_subcommand_from grant revoke list help" -f -a "revoke" -d 'Take manage-config away from an actor (the last holder cannot be removed)'
complete -c orgmap -n "__fish_orgmap_using_subcommand access; and not __fish_seen_subcommand_from grant revoke list help" -f -a "list" -d 'List who holds which permissions'
complete -c orgmap -n "__fish_orgmap_using_subcommand access; and not __fish_seen_subcommand_from grant revoke list help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c orgmap -n "__fish_orgmap_using_subcommand access; and __fish_seen_subcommand_from grant" -l config -d 'The integrations file [env: ORGMAP_CONFIG] [default: ./integrations.toml if you own it, else the XDG config dir]' -r -F
complete -c orgmap -n "__fish_orgmap_using_subcommand access; and __fish_seen_subcommand_from grant" -l store -d 'The store: a directory, or postgres://USER@HOST/DB [env: ORGMAP_STORE] [default: [store] url in the config, else ~/.local/share/orgmap]' -r -F
complete -c orgmap -n "__fish_orgmap_using_subcommand access; and __fish_seen_subcommand_from grant" -l color -d 'When to colour messages on stderr' -r -f -a "auto\t''
always\t''
never\t''"
complete -c orgmap -n "__fish_orgmap_using_subcommand access; and __fish_seen_subcommand_from grant" -l json -d 'Print results as JSON (errors too, on stderr)'
complete -c orgmap -n "__fish_orgmap_using_subcommand access; and __fish_seen_subcommand_from grant" -s q -l quiet -d 'Print no status messages'
complete -c orgmap -n "__fish_orgmap_using_subcommand access; and __fish_seen_subcommand_from grant" -s v -l verbose -d 'Say which config and store are used'
complete -c orgmap -n "__fish_orgmap_using_subcommand access; and __fish_seen_subcommand_from grant" -l no-input -d 'Never prompt; fail with a hint when a value is missing'
complete -c orgmap -n "__fish_orgmap_using_subcommand access; and __fish_seen_subcommand_from grant" -s h -l help -d 'Print help'
complete -c orgmap -n "__fish_orgmap_using_subcommand access; and __fish_seen_subcommand_from revoke" -l config -d 'The integrations file [env: ORGMAP_CONFIG] [default: ./integrations.toml if you own it, else the XDG config dir]' -r -F
complete -c orgmap -n "__fish_orgmap_using_subcommand access; and __fish_seen_subcommand_from revoke" -l store -d 'The store: a directory, or postgres://USER@HOST/DB [env: ORGMAP_STORE] [default: [store] url in the config, else ~/.local/share/orgmap]' -r -F
complete -c orgmap -n "__fish_orgmap_using_subcommand access; and __fish_seen_subcommand_from revoke" -l color -d 'When to colour messages on stderr' -r -f -a "auto\t''
always\t''
never\t''"
complete -c orgmap -n "__fish_orgmap_using_subcommand access; and __fish_seen_subcommand_from revoke" -l json -d 'Print results as JSON (errors too, on stderr)'
complete -c orgmap -n "__fish_orgmap_using_subcommand access; and __fish_seen_subcommand_from revoke" -s q -l quiet -d 'Print no status messages'
complete -c orgmap -n "__fish_orgmap_using_subcommand access; and __fish_seen_subcommand_from revoke" -s v -l verbose -d 'Say which config and store are used'
complete -c orgmap -n "__fish_orgmap_using_subcommand access; and __fish_seen_subcommand_from revoke" -l no-input -d 'Never prompt; fail with a hint when a value is missing'
complete -c orgmap -n "__fish_orgmap_using_subcommand access; and __fish_seen_subcommand_from revoke" -s h -l help -d 'Print help'
complete -c orgmap -n "__fish_orgmap_using_subcommand access; and __fish_seen_subcommand_from list" -l config -d 'The integrations file [env: ORGMAP_CONFIG] [default: ./integrations.toml if you own it, else the XDG config dir]' -r -F
complete -c orgmap -n "__fish_orgmap_using_subcommand access; and __fish_seen_subcommand_from list" -l store -d 'The store: a directory, or postgres://USER@HOST/DB [env: ORGMAP_STORE] [default: [store] url in the config, else ~/.local/share/orgmap]' -r -F
complete -c orgmap -n "__fish_orgmap_using_subcommand access; and __fish_seen_subcommand_from list" -l color -d 'When to colour messages on stderr' -r -f -a "auto\t''
always\t''
never\t''"
complete -c orgmap -n "__fish_orgmap_using_subcommand access; and __fish_seen_subcommand_from list" -l json -d 'Print results as JSON (errors too, on stderr)'
complete -c orgmap -n "__fish_orgmap_using_subcommand access; and __fish_seen_subcommand_from list" -s q -l quiet -d 'Print no status messages'
complete -c orgmap -n "__fish_orgmap_using_subcommand access; and __fish_seen_subcommand_from list" -s v -l verbose -d 'Say which config and store are used'
complete -c orgmap -n "__fish_orgmap_using_subcommand access; and __fish_seen_subcommand_from list" -l no-input -d 'Never prompt; fail with a hint when a value is missing'
complete -c orgmap -n "__fish_orgmap_using_subcommand access; and __fish_seen_subcommand_from list" -s h -l help -d 'Print help'
complete -c orgmap -n "__fish_orgmap_using_subcommand access; and __fish_seen_subcommand_from help" -f -a "grant" -d 'Grant manage-config to an actor (an ORGMAP_ACTOR name or an OS user)'
complete -c orgmap -n "__fish_orgmap_using_subcommand access; and __fish_seen_subcommand_from help" -f -a "revoke" -d 'Take manage-config away from an actor (the last holder cannot be removed)'
complete -c orgmap -n "__fish_orgmap_using_subcommand access; and __fish_seen_subcommand_from help" -f -a "list" -d 'List who holds which permissions'
complete -c orgmap -n "__fish_orgmap_using_subcommand access; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c orgmap -n "__fish_orgmap_using_subcommand store; and not __fish_seen_subcommand_from migrate roles help" -l config -d 'The integrations file [env: ORGMAP_CONFIG] [default: ./integrations.toml if you own it, else the XDG config dir]' -r -F
complete -c orgmap -n "__fish_orgmap_using_subcommand store; and not __fish_seen_subcommand_from migrate roles help" -l store -d 'The store: a directory, or postgres://USER@HOST/DB [env: ORGMAP_STORE] [default: [store] url in the config, else ~/.local/share/orgmap]' -r -F
complete -c orgmap -n "__fish_orgmap_using_subcommand store; and not __fish_seen_subcommand_from migrate roles help" -l color -d 'When to colour messages on stderr' -r -f -a "auto\t''
always\t''
never\t''"
complete -c orgmap -n "__fish_orgmap_using_subcommand store; and not __fish_seen_subcommand_from migrate roles help" -l json -d 'Print results as JSON (errors too, on stderr)'
complete -c orgmap -n "__fish_orgmap_using_subcommand store; and not __fish_seen_subcommand_from migrate roles help" -s q -l quiet -d 'Print no status messages'
complete -c orgmap -n "__fish_orgmap_using_subcommand store; and not __fish_seen_subcommand_from migrate roles help" -s v -l verbose -d 'Say which config and store are used'
complete -c orgmap -n "__fish_orgmap_using_subcommand store; and not __fish_seen_subcommand_from migrate roles help" -l no-input -d 'Never prompt; fail with a hint when a value is missing'
complete -c orgmap -n "__fish_orgmap_using_subcommand store; and not __fish_seen_subcommand_from migrate roles help" -s h -l help -d 'Print help'
complete -c orgmap -n "__fish_orgmap_using_subcommand store; and not __fish_seen_subcommand_from migrate roles help" -f -a "migrate" -d 'Bring the store\'s schema up to this orgmap\'s version (run after upgrading orgmap)'
complete -c orgmap -n "__fish_orgmap_using_subcommand store; and not __fish_seen_subcommand_from migrate roles help" -f -a "roles" -d 'Print (or apply) the SQL that creates the reader and manager roles of a PostgreSQL store'
complete -c orgmap -n "__fish_orgmap_using_subcommand store; and not __fish_seen_subcommand_from migrate roles help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c orgmap -n "__fish_orgmap_using_subcommand store; and __fish_seen_subcommand_from migrate" -l config -d 'The integrations file [env: ORGMAP_CONFIG] [default: ./integrations.toml if you own it, else the XDG config dir]' -r -F
complete -c orgmap -n "__fish_orgmap_using_subcommand store; and __fish_seen_subcommand_from migrate" -l store -d 'The store: a directory, or postgres://USER@HOST/DB [env: ORGMAP_STORE] [default: [store] url in the config, else ~/.local/share/orgmap]' -r -F
complete -c orgmap -n "__fish_orgmap_using_subcommand store; and __fish_seen_subcommand_from migrate" -l color -d 'When to colour messages on stderr' -r -f -a "auto\t''
always\t''
never\t''"
complete -c orgmap -n "__fish_orgmap_using_subcommand store; and __fish_seen_subcommand_from migrate" -l json -d 'Print results as JSON (errors too, on stderr)'
complete -c orgmap -n "__fish_orgmap_using_subcommand store; and __fish_seen_subcommand_from migrate" -s q -l quiet -d 'Print no status messages'
complete -c orgmap -n "__fish_orgmap_using_subcommand store; and __fish_seen_subcommand_from migrate" -s v -l verbose -d 'Say which config and store are used'
complete -c orgmap -n "__fish_orgmap_using_subcommand store; and __fish_seen_subcommand_from migrate" -l no-input -d 'Never prompt; fail with a hint when a value is missing'
complete -c orgmap -n "__fish_orgmap_using_subcommand store; and __fish_seen_subcommand_from migrate" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c orgmap -n "__fish_orgmap_using_subcommand store; and __fish_seen_subcommand_from roles" -l config -d 'The integrations file [env: ORGMAP_CONFIG] [default: ./integrations.toml if you own it, else the XDG config dir]' -r -F
complete -c orgmap -n "__fish_orgmap_using_subcommand store; and __fish_seen_subcommand_from roles" -l store -d 'The store: a directory, or postgres://USER@HOST/DB [env: ORGMAP_STORE] [default: [store] url in the config, else ~/.local/share/orgmap]' -r -F
complete -c orgmap -n "__fish_orgmap_using_subcommand store; and __fish_seen_subcommand_from roles" -l color -d 'When to colour messages on stderr' -r -f -a "auto\t''
always\t''
never\t''"
complete -c orgmap -n "__fish_orgmap_using_subcommand store; and __fish_seen_subcommand_from roles" -l apply -d 'Create the roles and grant their privileges now (needs a role that may create roles)'
complete -c orgmap -n "__fish_orgmap_using_subcommand store; and __fish_seen_subcommand_from roles" -l json -d 'Print results as JSON (errors too, on stderr)'
complete -c orgmap -n "__fish_orgmap_using_subcommand store; and __fish_seen_subcommand_from roles" -s q -l quiet -d 'Print no status messages'
complete -c orgmap -n "__fish_orgmap_using_subcommand store; and __fish_seen_subcommand_from roles" -s v -l verbose -d 'Say which config and store are used'
complete -c orgmap -n "__fish_orgmap_using_subcommand store; and __fish_seen_subcommand_from roles" -l no-input -d 'Never prompt; fail with a hint when a value is missing'
complete -c orgmap -n "__fish_orgmap_using_subcommand store; and __fish_seen_subcommand_from roles" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c orgmap -n "__fish_orgmap_using_subcommand store; and __fish_seen_subcommand_from help" -f -a "migrate" -d 'Bring the store\'s schema up to this orgmap\'s version (run after upgrading orgmap)'
complete -c orgmap -n "__fish_orgmap_using_subcommand store; and __fish_seen_subcommand_from help" -f -a "roles" -d 'Print (or apply) the SQL that creates the reader and manager roles of a PostgreSQL store'
complete -c orgmap -n "__fish_orgmap_using_subcommand store; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c orgmap -n "__fish_orgmap_using_subcommand completions" -l config -d 'The integrations file [env: ORGMAP_CONFIG] [default: ./integrations.toml if you own it, else the XDG config dir]' -r -F
complete -c orgmap -n "__fish_orgmap_using_subcommand completions" -l store -d 'The store: a directory, or postgres://USER@HOST/DB [env: ORGMAP_STORE] [default: [store] url in the config, else ~/.local/share/orgmap]' -r -F
complete -c orgmap -n "__fish_orgmap_using_subcommand completions" -l color -d 'When to colour messages on stderr' -r -f -a "auto\t''
always\t''
never\t''"
complete -c orgmap -n "__fish_orgmap_using_subcommand completions" -l json -d 'Print results as JSON (errors too, on stderr)'
complete -c orgmap -n "__fish_orgmap_using_subcommand completions" -s q -l quiet -d 'Print no status messages'
complete -c orgmap -n "__fish_orgmap_using_subcommand completions" -s v -l verbose -d 'Say which config and store are used'
complete -c orgmap -n "__fish_orgmap_using_subcommand completions" -l no-input -d 'Never prompt; fail with a hint when a value is missing'
complete -c orgmap -n "__fish_orgmap_using_subcommand completions" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c orgmap -n "__fish_orgmap_using_subcommand man" -l out-dir -d 'The directory to write the pages to (created when missing)' -r -F
complete -c orgmap -n "__fish_orgmap_using_subcommand man" -l config -d 'The integrations file [env: ORGMAP_CONFIG] [default: ./integrations.toml if you own it, else the XDG config dir]' -r -F
complete -c orgmap -n "__fish_orgmap_using_subcommand man" -l store -d 'The store: a directory, or postgres://USER@HOST/DB [env: ORGMAP_STORE] [default: [store] url in the config, else ~/.local/share/orgmap]' -r -F
complete -c orgmap -n "__fish_orgmap_using_subcommand man" -l color -d 'When to colour messages on stderr' -r -f -a "auto\t''
always\t''
never\t''"
complete -c orgmap -n "__fish_orgmap_using_subcommand man" -l json -d 'Print results as JSON (errors too, on stderr)'
complete -c orgmap -n "__fish_orgmap_using_subcommand man" -s q -l quiet -d 'Print no status messages'
complete -c orgmap -n "__fish_orgmap_using_subcommand man" -s v -l verbose -d 'Say which config and store are used'
complete -c orgmap -n "__fish_orgmap_using_subcommand man" -l no-input -d 'Never prompt; fail with a hint when a value is missing'
complete -c orgmap -n "__fish_orgmap_using_subcommand man" -s h -l help -d 'Print help'
complete -c orgmap -n "__fish_orgmap_using_subcommand help; and not __fish_seen_subcommand_from init org integrations discover refresh map edit unmap list get set lookup test audit doctor export import suggest apply coverage exclude include access store completions man help" -f -a "init" -d 'Create the store; you hold manage-config in it first'
complete -c orgmap -n "__fish_orgmap_using_subcommand help; and not __fish_seen_subcommand_from init org integrations discover refresh map edit unmap list get set lookup test audit doctor export import suggest apply coverage exclude include access store completions man help" -f -a "org" -d 'Manage your customer organizations'
complete -c orgmap -n "__fish_orgmap_using_subcommand help; and not __fish_seen_subcommand_from init org integrations discover refresh map edit unmap list get set lookup test audit doctor export import suggest apply coverage exclude include access store completions man help" -f -a "integrations" -d 'Show the integrations declared in integrations.toml'
complete -c orgmap -n "__fish_orgmap_using_subcommand help; and not __fish_seen_subcommand_from init org integrations discover refresh map edit unmap list get set lookup test audit doctor export import suggest apply coverage exclude include access store completions man help" -f -a "discover" -d 'List an integration\'s external organizations'
complete -c orgmap -n "__fish_orgmap_using_subcommand help; and not __fish_seen_subcommand_from init org integrations discover refresh map edit unmap list get set lookup test audit doctor export import suggest apply coverage exclude include access store completions man help" -f -a "refresh" -d 'Fetch external organizations now and report what changed'
complete -c orgmap -n "__fish_orgmap_using_subcommand help; and not __fish_seen_subcommand_from init org integrations discover refresh map edit unmap list get set lookup test audit doctor export import suggest apply coverage exclude include access store completions man help" -f -a "map" -d 'Map an organization to an external organization'
complete -c orgmap -n "__fish_orgmap_using_subcommand help; and not __fish_seen_subcommand_from init org integrations discover refresh map edit unmap list get set lookup test audit doctor export import suggest apply coverage exclude include access store completions man help" -f -a "edit" -d 'Change one mapping'
complete -c orgmap -n "__fish_orgmap_using_subcommand help; and not __fish_seen_subcommand_from init org integrations discover refresh map edit unmap list get set lookup test audit doctor export import suggest apply coverage exclude include access store completions man help" -f -a "unmap" -d 'Delete a mapping'
complete -c orgmap -n "__fish_orgmap_using_subcommand help; and not __fish_seen_subcommand_from init org integrations discover refresh map edit unmap list get set lookup test audit doctor export import suggest apply coverage exclude include access store completions man help" -f -a "list" -d 'List mappings'
complete -c orgmap -n "__fish_orgmap_using_subcommand help; and not __fish_seen_subcommand_from init org integrations discover refresh map edit unmap list get set lookup test audit doctor export import suggest apply coverage exclude include access store completions man help" -f -a "get" -d 'Get an organization\'s mapping for an integration (for workflows)'
complete -c orgmap -n "__fish_orgmap_using_subcommand help; and not __fish_seen_subcommand_from init org integrations discover refresh map edit unmap list get set lookup test audit doctor export import suggest apply coverage exclude include access store completions man help" -f -a "set" -d 'Create or update an organization\'s mapping (for workflows)'
complete -c orgmap -n "__fish_orgmap_using_subcommand help; and not __fish_seen_subcommand_from init org integrations discover refresh map edit unmap list get set lookup test audit doctor export import suggest apply coverage exclude include access store completions man help" -f -a "lookup" -d 'Find the organizations mapped to an external organization'
complete -c orgmap -n "__fish_orgmap_using_subcommand help; and not __fish_seen_subcommand_from init org integrations discover refresh map edit unmap list get set lookup test audit doctor export import suggest apply coverage exclude include access store completions man help" -f -a "test" -d 'Test that mappings reach their external organizations'
complete -c orgmap -n "__fish_orgmap_using_subcommand help; and not __fish_seen_subcommand_from init org integrations discover refresh map edit unmap list get set lookup test audit doctor export import suggest apply coverage exclude include access store completions man help" -f -a "audit" -d 'Show the audit log, newest first'
complete -c orgmap -n "__fish_orgmap_using_subcommand help; and not __fish_seen_subcommand_from init org integrations discover refresh map edit unmap list get set lookup test audit doctor export import suggest apply coverage exclude include access store completions man help" -f -a "doctor" -d 'Check the config and the store, and repair damaged indexes'
complete -c orgmap -n "__fish_orgmap_using_subcommand help; and not __fish_seen_subcommand_from init org integrations discover refresh map edit unmap list get set lookup test audit doctor export import suggest apply coverage exclude include access store completions man help" -f -a "export" -d 'Write everything the store holds as JSON lines (a backup)'
complete -c orgmap -n "__fish_orgmap_using_subcommand help; and not __fish_seen_subcommand_from init org integrations discover refresh map edit unmap list get set lookup test audit doctor export import suggest apply coverage exclude include access store completions man help" -f -a "import" -d 'Read an export back into the store (a restore, or a move between stores)'
complete -c orgmap -n "__fish_orgmap_using_subcommand help; and not __fish_seen_subcommand_from init org integrations discover refresh map edit unmap list get set lookup test audit doctor export import suggest apply coverage exclude include access store completions man help" -f -a "suggest" -d 'Suggest mappings for the organizations not yet mapped in an integration'
complete -c orgmap -n "__fish_orgmap_using_subcommand help; and not __fish_seen_subcommand_from init org integrations discover refresh map edit unmap list get set lookup test audit doctor export import suggest apply coverage exclude include access store completions man help" -f -a "apply" -d 'Apply a plan written by `orgmap suggest --plan`, in one transaction'
complete -c orgmap -n "__fish_orgmap_using_subcommand help; and not __fish_seen_subcommand_from init org integrations discover refresh map edit unmap list get set lookup test audit doctor export import suggest apply coverage exclude include access store completions man help" -f -a "coverage" -d 'Show which organizations are mapped in which integrations, and the gaps'
complete -c orgmap -n "__fish_orgmap_using_subcommand help; and not __fish_seen_subcommand_from init org integrations discover refresh map edit unmap list get set lookup test audit doctor export import suggest apply coverage exclude include access store completions man help" -f -a "exclude" -d 'Record that an organization has no account in an integration, on purpose'
complete -c orgmap -n "__fish_orgmap_using_subcommand help; and not __fish_seen_subcommand_from init org integrations discover refresh map edit unmap list get set lookup test audit doctor export import suggest apply coverage exclude include access store completions man help" -f -a "include" -d 'Take an exclusion back: the organization counts as missing again until it is mapped'
complete -c orgmap -n "__fish_orgmap_using_subcommand help; and not __fish_seen_subcommand_from init org integrations discover refresh map edit unmap list get set lookup test audit doctor export import suggest apply coverage exclude include access store completions man help" -f -a "access" -d 'Manage who holds manage-config (needed for every change)'
complete -c orgmap -n "__fish_orgmap_using_subcommand help; and not __fish_seen_subcommand_from init org integrations discover refresh map edit unmap list get set lookup test audit doctor export import suggest apply coverage exclude include access store completions man help" -f -a "store" -d 'Migrate the store\'s schema; set up PostgreSQL roles'
complete -c orgmap -n "__fish_orgmap_using_subcommand help; and not __fish_seen_subcommand_from init org integrations discover refresh map edit unmap list get set lookup test audit doctor export import suggest apply coverage exclude include access store completions man help" -f -a "completions" -d 'Print a shell completion script'
complete -c orgmap -n "__fish_orgmap_using_subcommand help; and not __fish_seen_subcommand_from init org integrations discover refresh map edit unmap list get set lookup test audit doctor export import suggest apply coverage exclude include access store completions man help" -f -a "man" -d 'Write man pages: orgmap.1 and one page per command (orgmap-map.1, orgmap-org-add.1, ...)'
complete -c orgmap -n "__fish_orgmap_using_subcommand help; and not __fish_seen_subcommand_from init org integrations discover refresh map edit unmap list get set lookup test audit doctor export import suggest apply coverage exclude include access store completions man help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c orgmap -n "__fish_orgmap_using_subcommand help; and __fish_seen_subcommand_from org" -f -a "add" -d 'Add an organization (adding an identical one again changes nothing)'
complete -c orgmap -n "__fish_orgmap_using_subcommand help; and __fish_seen_subcommand_from org" -f -a "list" -d 'List organizations'
complete -c orgmap -n "__fish_orgmap_using_subcommand help; and __fish_seen_subcommand_from org" -f -a "show" -d 'Show an organization and all its mappings'
complete -c orgmap -n "__fish_orgmap_using_subcommand help; and __fish_seen_subcommand_from org" -f -a "rename" -d 'Give an organization a new display name'
complete -c orgmap -n "__fish_orgmap_using_subcommand help; and __fish_seen_subcommand_from org" -f -a "edit" -d 'Change an organization\'s name, domains and aliases (what matching uses)'
complete -c orgmap -n "__fish_orgmap_using_subcommand help; and __fish_seen_subcommand_from org" -f -a "import" -d 'Create an organization, with its mapping, for each external organization of a system of record that no organization maps yet'
complete -c orgmap -n "__fish_orgmap_using_subcommand help; and __fish_seen_subcommand_from org" -f -a "deactivate" -d 'Deactivate an organization: workflows can no longer use its mappings'
complete -c orgmap -n "__fish_orgmap_using_subcommand help; and __fish_seen_subcommand_from org" -f -a "activate" -d 'Activate an organization again'
complete -c orgmap -n "__fish_orgmap_using_subcommand help; and __fish_seen_subcommand_from access" -f -a "grant" -d 'Grant manage-config to an actor (an ORGMAP_ACTOR name or an OS user)'
complete -c orgmap -n "__fish_orgmap_using_subcommand help; and __fish_seen_subcommand_from access" -f -a "revoke" -d 'Take manage-config away from an actor (the last holder cannot be removed)'
complete -c orgmap -n "__fish_orgmap_using_subcommand help; and __fish_seen_subcommand_from access" -f -a "list" -d 'List who holds which permissions'
complete -c orgmap -n "__fish_orgmap_using_subcommand help; and __fish_seen_subcommand_from store" -f -a "migrate" -d 'Bring the store\'s schema up to this orgmap\'s version (run after upgrading orgmap)'
complete -c orgmap -n "__fish_orgmap_using_subcommand help; and __fish_seen_subcommand_from store" -f -a "roles" -d 'Print (or apply) the SQL that creates the reader and manager roles of a PostgreSQL store'
