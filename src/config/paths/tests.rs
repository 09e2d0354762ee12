use super::*;

fn check(text: &str) -> Result<(), String> {
    let template = Template::parse(text).unwrap();
    check_report_path(text, &template).map_err(|problem| problem.message)
}

#[test]
fn report_paths_inside_the_project_or_the_reports_directory_are_accepted() {
    for good in [
        "{reports}/pytest-{python}.xml",
        "{root}/build/coverage.xml",
        "coverage.xml",
        "build/junit-{session}.xml",
        "./out/{session}/{python}.xml",
        "{reports}/a..b.xml",
        "{reports}/.{session}.xml",
        "{reports}/{{odd}}/x.xml",
    ] {
        assert_eq!(check(good), Ok(()), "{good}");
    }
}

#[test]
fn report_paths_that_could_leave_are_refused() {
    let cases = [
        ("../victim.txt", "`../victim.txt`: `..` would leave the directory"),
        ("{root}/../victim.txt", "`{root}/../victim.txt`: `..` would leave the directory"),
        ("{reports}/x/../../../y", "`..` would leave the directory"),
        ("a/..", "`..` would leave the directory"),
        // An empty `{python}` would make this `..`.
        ("{reports}/.{python}./x.xml", "`..` would leave the directory"),
        ("/tmp/junit.xml", "`/tmp/junit.xml` is an absolute path"),
        ("{root}x.xml", "a `/` must follow `{root}` or `{reports}`"),
        ("{reports}-old/x.xml", "a `/` must follow `{root}` or `{reports}`"),
        ("out/{root}/x.xml", "`{root}` and `{reports}` may only start a path"),
        ("{env:OUT}/x.xml", "an `{env:…}` value could point anywhere"),
        ("{reports}/{env:JOB:1}.xml", "an `{env:…}` value could point anywhere"),
        ("{envdir}/x.xml", "the virtualenv may lie outside"),
        ("{reports}", "names a directory, not a file in it"),
        ("{root}/.", "names a directory, not a file in it"),
        ("", "names a directory, not a file in it"),
        ("{reports}/{python}", "names a directory, not a file in it"),
        ("{posargs}.xml", "`{posargs}` is only allowed in commands"),
    ];
    for (bad, expected) in cases {
        let message = check(bad).expect_err(bad);
        assert!(message.contains(expected), "{bad}: {message}");
    }
}

#[test]
fn inside_means_strictly_inside_once_symlinks_are_resolved() {
    let scratch = tempfile::tempdir().unwrap();
    let root = scratch.path().join("project");
    let reports = scratch.path().join("ci-reports");
    let outside = scratch.path().join("outside");
    for directory in [&root, &reports, &outside] {
        std::fs::create_dir(directory).unwrap();
    }
    std::os::unix::fs::symlink(&outside, root.join("link")).unwrap();
    std::os::unix::fs::symlink(scratch.path().join("outside/file"), root.join("file-link")).unwrap();
    let bases = [root.as_path(), reports.as_path()];
    assert!(is_inside(&root.join("junit.xml"), &bases));
    assert!(is_inside(&root.join("not/yet/made.xml"), &bases));
    assert!(is_inside(&reports.join("x.xml"), &bases));
    // The link itself is inside: deleting it removes the link, not its target.
    assert!(is_inside(&root.join("file-link"), &bases));
    assert!(!is_inside(&root.join("link/victim.txt"), &bases), "a symlinked directory leads outside");
    assert!(!is_inside(&root.join("../outside/victim.txt"), &bases));
    assert!(!is_inside(&outside.join("victim.txt"), &bases));
    assert!(!is_inside(&root, &bases), "the root itself is not inside it");
    assert!(!is_inside(Path::new("junit.xml"), &bases), "relative");
    assert!(!is_inside(&scratch.path().join("project-old/x.xml"), &bases), "a sibling with the same prefix");
    // A reports directory written with `..` still counts.
    let dotted = root.join("../ci-reports");
    assert!(is_inside(&reports.join("x.xml"), &[dotted.as_path()]));
}
