//! The README documents rules the code enforces; these checks keep the two the same.

#[test]
fn readme_carries_the_permission_matrix_the_code_enforces() {
    let readme = include_str!("../../../README.md");
    let matrix = ferry_domain::auth::permission_matrix_markdown();
    assert!(
        readme.contains(&matrix),
        "update the README's permission matrix to:\n{matrix}"
    );
}
