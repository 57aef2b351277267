//! Build information for `orgmap --version`: the commit, the build date and the target.
//!
//! Never fails: without git or outside a checkout the commit is "unknown".

use std::path::{Path, PathBuf};
use std::process::Command;

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-env-changed=SOURCE_DATE_EPOCH");
    // A source tarball unpacked inside another checkout must not take that checkout's commit.
    let own_checkout = git(&["rev-parse", "--show-toplevel"]).is_some_and(|top| {
        Path::new(&top).canonicalize().ok() == Path::new(env!("CARGO_MANIFEST_DIR")).canonicalize().ok()
    });
    let commit =
        own_checkout.then(|| git(&["rev-parse", "--short=12", "HEAD"])).flatten().unwrap_or_else(|| "unknown".into());
    println!("cargo:rustc-env=ORGMAP_COMMIT={commit}");
    println!("cargo:rustc-env=ORGMAP_BUILD_DATE={}", build_date());
    println!("cargo:rustc-env=ORGMAP_TARGET={}", std::env::var("TARGET").unwrap_or_default());
    for path in if own_checkout { head_files() } else { Vec::new() } {
        println!("cargo:rerun-if-changed={}", path.display());
    }
}

fn git(args: &[&str]) -> Option<String> {
    let out = Command::new("git").args(args).current_dir(env!("CARGO_MANIFEST_DIR")).output().ok()?;
    let text = String::from_utf8(out.stdout).ok()?;
    (out.status.success() && !text.trim().is_empty()).then(|| text.trim().to_owned())
}

/// The files whose change means another commit: HEAD, the branch it points at and the packed refs.
/// Only existing ones: cargo reruns a build script on every build while one it names is missing.
fn head_files() -> Vec<PathBuf> {
    let (Some(git_dir), Some(common_dir)) =
        (git(&["rev-parse", "--absolute-git-dir"]), git(&["rev-parse", "--path-format=absolute", "--git-common-dir"]))
    else {
        return Vec::new();
    };
    let mut files = vec![Path::new(&git_dir).join("HEAD"), Path::new(&common_dir).join("packed-refs")];
    if let Some(branch) = git(&["symbolic-ref", "-q", "HEAD"]) {
        files.push(Path::new(&common_dir).join(branch));
    }
    files.into_iter().filter(|p| p.exists()).collect()
}

/// The UTC date of `SOURCE_DATE_EPOCH` (reproducible builds), else of now, as YYYY-MM-DD.
fn build_date() -> String {
    let seconds =
        std::env::var("SOURCE_DATE_EPOCH").ok().and_then(|s| s.trim().parse::<i64>().ok()).unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(0))
        });
    // Days since 1970-01-01 to a civil date (Howard Hinnant's algorithm).
    let z = seconds.div_euclid(86_400) + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02}")
}
