//! Stamps the build with the commit it came from, shown in the page footer.
use std::process::Command;

fn git(args: &[&str]) -> Option<String> {
    Command::new("git")
        .args(args)
        .output()
        .ok()
        .filter(|o| o.status.success())
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .map(|s| s.trim().to_owned())
        .filter(|s| !s.is_empty())
}

fn main() {
    let commit = git(&["rev-parse", "--short=8", "HEAD"]).unwrap_or_else(|| "unknown".into());
    println!("cargo:rustc-env=FERRY_BUILD_COMMIT={commit}");
    // Only the files that move this checkout's HEAD: watching all of refs/heads rebuilt the UI
    // (and relinked the server) whenever another branch or worktree committed. A watched path
    // that does not exist would rerun this script on every build, so only existing ones.
    let mut watched = Vec::new();
    if let Some(git_dir) = git(&["rev-parse", "--absolute-git-dir"]) {
        watched.push(format!("{git_dir}/HEAD"));
    }
    if let (Some(common), Some(branch)) = (
        git(&["rev-parse", "--path-format=absolute", "--git-common-dir"]),
        git(&["symbolic-ref", "-q", "HEAD"]),
    ) {
        let loose = format!("{common}/{branch}");
        // A packed ref becomes a loose file at the next commit: watch where it will appear.
        match std::path::Path::new(&loose).exists() {
            true => watched.push(loose),
            false => watched.extend(loose.rsplit_once('/').map(|(dir, _)| dir.to_owned())),
        }
        watched.push(format!("{common}/packed-refs"));
    }
    for path in watched
        .iter()
        .filter(|path| std::path::Path::new(path).exists())
    {
        println!("cargo:rerun-if-changed={path}");
    }
    println!("cargo:rerun-if-env-changed=FERRY_BUILD_COMMIT");
}
