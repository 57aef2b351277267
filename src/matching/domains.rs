//! Domains as evidence: one comparable form from a domain, a website URL or an e-mail address, and
//! the domains that never identify one organization (public mail providers, Microsoft tenant
//! domains, shared site hosts).

/// Public mail providers: an address there says nothing about whose it is.
const PUBLIC_MAIL: &[&str] = &[
    "gmail.com",
    "googlemail.com",
    "outlook.com",
    "hotmail.com",
    "live.com",
    "msn.com",
    "passport.com",
    "yahoo.com",
    "ymail.com",
    "rocketmail.com",
    "icloud.com",
    "me.com",
    "mac.com",
    "aol.com",
    "aim.com",
    "gmx.de",
    "gmx.net",
    "gmx.com",
    "gmx.at",
    "gmx.ch",
    "web.de",
    "t-online.de",
    "freenet.de",
    "arcor.de",
    "posteo.de",
    "mailbox.org",
    "proton.me",
    "protonmail.com",
    "protonmail.ch",
    "pm.me",
    "tutanota.com",
    "tutanota.de",
    "tuta.io",
    "zoho.com",
    "zohomail.com",
    "yandex.ru",
    "yandex.com",
    "mail.ru",
    "bk.ru",
    "inbox.ru",
    "list.ru",
    "qq.com",
    "163.com",
    "126.com",
    "sina.com",
    "naver.com",
    "hanmail.net",
    "orange.fr",
    "wanadoo.fr",
    "free.fr",
    "laposte.net",
    "sfr.fr",
    "libero.it",
    "virgilio.it",
    "tiscali.it",
    "btinternet.com",
    "sky.com",
    "virginmedia.com",
    "ntlworld.com",
    "talktalk.net",
    "bigpond.com",
    "bigpond.net.au",
    "optusnet.com.au",
    "shaw.ca",
    "rogers.com",
    "sympatico.ca",
    "comcast.net",
    "verizon.net",
    "att.net",
    "sbcglobal.net",
    "cox.net",
    "charter.net",
    "earthlink.net",
    "bluewin.ch",
    "hushmail.com",
    "fastmail.com",
    "fastmail.fm",
    "mail.com",
    "email.com",
    "usa.com",
    "inbox.com",
    "seznam.cz",
    "wp.pl",
    "o2.pl",
    "onet.pl",
    "interia.pl",
    "telenet.be",
    "skynet.be",
    "ziggo.nl",
    "kpnmail.nl",
    "xs4all.nl",
    "planet.nl",
    "home.nl",
    "online.no",
    "telia.com",
];

/// Providers with a domain per country (hotmail.co.uk, yahoo.de, outlook.fr, …).
const PUBLIC_MAIL_BRANDS: &[&str] =
    &["gmail", "googlemail", "hotmail", "outlook", "live", "msn", "yahoo", "ymail", "gmx", "aol"];

/// Tenant domains handed out by Microsoft: every tenant has one, and they name the tenant, not a
/// company's real domain.
const TENANT_SUFFIXES: &[&str] = &["onmicrosoft.com", "onmicrosoft.de", "onmicrosoft.us", "onmschina.cn"];

/// Hosts that serve many organizations' sites or pages: a website there is no domain of its own.
const SHARED_HOSTS: &[&str] = &[
    "sharepoint.com",
    "facebook.com",
    "linkedin.com",
    "instagram.com",
    "twitter.com",
    "x.com",
    "youtube.com",
    "google.com",
    "wixsite.com",
    "wix.com",
    "squarespace.com",
    "wordpress.com",
    "blogspot.com",
    "godaddysites.com",
    "business.site",
    "github.io",
    "weebly.com",
    "jimdofree.com",
    "jimdo.com",
];

/// Whether mail addresses at `domain` belong to a public provider (gmail.com, gmx.de, …), so the
/// domain identifies no organization. `domain` is expected in normalised form.
pub fn is_public_mail_domain(domain: &str) -> bool {
    let domain = domain.trim_end_matches('.').to_ascii_lowercase();
    if PUBLIC_MAIL.contains(&domain.as_str()) {
        return true;
    }
    let Some((brand, rest)) = domain.split_once('.') else {
        return false;
    };
    PUBLIC_MAIL_BRANDS.contains(&brand) && is_public_suffix_like(rest)
}

/// "de", "fr", "co.uk", "com.au": what follows a mail brand in its country domains.
fn is_public_suffix_like(rest: &str) -> bool {
    let labels: Vec<&str> = rest.split('.').collect();
    match labels.as_slice() {
        [tld] => tld.len() <= 3,
        [second, tld] => tld.len() == 2 && matches!(*second, "co" | "com" | "net" | "org" | "ne" | "or"),
        _ => false,
    }
}

/// Whether `domain` is a Microsoft tenant domain (`contoso.onmicrosoft.com` and its national-cloud
/// siblings).
pub fn is_tenant_domain(domain: &str) -> bool {
    has_suffix(domain, TENANT_SUFFIXES)
}

/// Whether `domain` is, or is under, a host that serves many organizations' pages.
pub fn is_shared_host(domain: &str) -> bool {
    has_suffix(domain, SHARED_HOSTS)
}

fn has_suffix(domain: &str, suffixes: &[&str]) -> bool {
    suffixes.iter().any(|s| domain == *s || domain.strip_suffix(s).is_some_and(|head| head.ends_with('.')))
}

/// The comparable domain in a domain name, a website URL or an e-mail address: lower-case, without
/// scheme, user, path, query, port, trailing dot or a leading `www.`. `None` when there is no
/// usable domain or when it cannot identify an organization (public mail, tenant domains, shared
/// site hosts, IP addresses).
pub fn normalise_domain(text: &str) -> Option<String> {
    let mut rest = text.trim();
    if let Some(i) = rest.find("://") {
        rest = &rest[i + 3..];
    } else if rest.get(..7).is_some_and(|p| p.eq_ignore_ascii_case("mailto:")) {
        rest = &rest[7..];
    }
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let mut host = &rest[..end];
    if let Some(at) = host.rfind('@') {
        host = &host[at + 1..];
    }
    if let Some(colon) = host.rfind(':') {
        if host[colon + 1..].bytes().all(|b| b.is_ascii_digit()) {
            host = &host[..colon];
        } else {
            return None;
        }
    }
    let host = host.trim_end_matches('.');
    let mut domain = if host.is_ascii() {
        host.to_ascii_lowercase()
    } else {
        match url::Host::parse(host).ok()? {
            url::Host::Domain(d) => d,
            _ => return None,
        }
    };
    while let Some(stripped) = domain.strip_prefix("www.")
        && stripped.contains('.')
    {
        domain = stripped.to_owned();
    }
    if !is_valid_domain(&domain)
        || is_public_mail_domain(&domain)
        || is_tenant_domain(&domain)
        || is_shared_host(&domain)
    {
        return None;
    }
    Some(domain)
}

/// At least two labels of letters, digits and hyphens, and a top-level label that is not numeric
/// (which also turns away IPv4 addresses).
fn is_valid_domain(domain: &str) -> bool {
    let labels: Vec<&str> = domain.split('.').collect();
    labels.len() >= 2
        && labels.iter().all(|l| {
            !l.is_empty()
                && l.len() <= 63
                && !l.starts_with('-')
                && !l.ends_with('-')
                && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
        })
        && labels.last().is_some_and(|tld| tld.bytes().any(|b| b.is_ascii_alphabetic()))
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    proptest! {
        #[test]
        fn a_normalised_domain_normalises_to_itself(text in "(?s).{0,40}|((https?://)?(www\\.|WWW\\.)*([a-zA-Z0-9-]{1,10}\\.){1,3}[a-z]{2,4}\\.?(:[0-9]{1,5})?(/.{0,10})?)|([a-z.]{1,10}@[a-zA-Z0-9.-]{1,20})") {
            if let Some(domain) = normalise_domain(&text) {
                prop_assert_eq!(normalise_domain(&domain), Some(domain.clone()));
            }
        }
    }

    fn d(text: &str) -> Option<String> {
        normalise_domain(text)
    }

    #[test]
    fn plain_domains() {
        assert_eq!(d("acme.com").as_deref(), Some("acme.com"));
        assert_eq!(d("  ACME.Com. ").as_deref(), Some("acme.com"));
        assert_eq!(d("mail.acme.co.uk").as_deref(), Some("mail.acme.co.uk"));
    }

    #[test]
    fn websites() {
        assert_eq!(d("https://www.acme.com/contact?x=1").as_deref(), Some("acme.com"));
        assert_eq!(d("http://acme.com:8080").as_deref(), Some("acme.com"));
        assert_eq!(d("HTTP://WWW.ACME.COM/").as_deref(), Some("acme.com"));
        assert_eq!(d("www.acme.com").as_deref(), Some("acme.com"));
        assert_eq!(d("acme.com/about#team").as_deref(), Some("acme.com"));
        assert_eq!(d("https://user:pw@acme.com/").as_deref(), Some("acme.com"));
        assert_eq!(d("https://münchen-bau.de").as_deref(), Some("xn--mnchen-bau-9db.de"));
    }

    #[test]
    fn www_is_a_literal_prefix_not_a_pattern() {
        assert_eq!(d("wwwave.com").as_deref(), Some("wwwave.com"));
        assert_eq!(d("www1.acme.com").as_deref(), Some("www1.acme.com"));
        assert_eq!(d("https://wwwxacme.com").as_deref(), Some("wwwxacme.com"));
        assert_eq!(d("www.www.acme.com").as_deref(), Some("acme.com"));
        assert_eq!(d("www.com").as_deref(), Some("www.com"));
    }

    #[test]
    fn email_addresses() {
        assert_eq!(d("jane.doe@Acme.com").as_deref(), Some("acme.com"));
        assert_eq!(d("mailto:jane@acme.com").as_deref(), Some("acme.com"));
        // a multi-byte character across the length of "mailto:" once panicked
        assert_eq!(d("󑤌񁧹3EKѨ"), None);
        assert_eq!(d("\"Jane\"@sub.acme.com").as_deref(), Some("sub.acme.com"));
    }

    #[test]
    fn public_mail_refused() {
        for text in [
            "bob@gmail.com",
            "gmail.com",
            "outlook.com",
            "hotmail.com",
            "hotmail.co.uk",
            "yahoo.com",
            "yahoo.de",
            "icloud.com",
            "aol.com",
            "gmx.de",
            "web.de",
            "proton.me",
            "someone@t-online.de",
            "https://www.gmail.com/",
        ] {
            assert_eq!(d(text), None, "{text}");
        }
        assert!(is_public_mail_domain("GMX.net"));
        assert!(!is_public_mail_domain("acme.com"));
        assert!(!is_public_mail_domain("live.acme.com"));
        assert!(!is_public_mail_domain("outlookpartners.com"));
    }

    #[test]
    fn tenant_and_shared_hosts_refused() {
        assert_eq!(d("contoso.onmicrosoft.com"), None);
        assert_eq!(d("onmicrosoft.com"), None);
        assert_eq!(d("admin@contoso.onmicrosoft.com"), None);
        assert_eq!(d("contoso.mail.onmicrosoft.com"), None);
        assert_eq!(d("contoso.onmicrosoft.de"), None);
        assert_eq!(d("https://contoso.sharepoint.com/sites/x"), None);
        assert_eq!(d("https://www.facebook.com/acme"), None);
        assert_eq!(d("acme.wixsite.com"), None);
        assert_eq!(d("notonmicrosoft.com").as_deref(), Some("notonmicrosoft.com"));
    }

    #[test]
    fn not_a_domain() {
        for text in ["", "acme", "n/a", "192.168.1.1", "http://10.0.0.1/", "acme..com", "-acme.com", "a b.com"] {
            assert_eq!(d(text), None, "{text}");
        }
    }
}
