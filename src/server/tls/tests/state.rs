//! `--tls-state DIR`: the CA is kept across starts, and a damaged state folder is an error
//! that names the file, never a silent new CA.

use super::*;

fn kept(dir: &Path) -> Result<Tls, TlsError> {
    prepare(&generated(&[], Some(dir)))
}

#[tokio::test]
async fn a_state_dir_keeps_the_ca_across_starts_and_a_fresh_dir_gets_a_new_one() {
    // Arrange: the folder does not exist yet.
    let temp = TempDir::new();
    let state = temp.join("state/tls");

    // Act
    let first = kept(&state).unwrap();
    let second = kept(&state).unwrap();
    let elsewhere = kept(&temp.join("other")).unwrap();

    // Assert: the CA handed out is the one on disk, the same both times, and trusted for the
    // second start's fresh leaf.
    let ca_pem = first.ca_pem.clone().unwrap();
    assert_eq!(fs::read_to_string(state.join("ca.pem")).unwrap(), ca_pem);
    assert_eq!(second.ca_pem.as_deref(), Some(ca_pem.as_str()));
    assert_ne!(elsewhere.ca_pem.as_deref(), Some(ca_pem.as_str()));
    let address = serve(&second).await;
    let (_, body) = fetch(&client(&ca_pem, &[]), address, "localhost")
        .await
        .unwrap();
    assert_eq!(body, "hello");
}

#[cfg(unix)]
#[test]
fn the_kept_ca_key_is_readable_by_its_owner_only() {
    use std::os::unix::fs::PermissionsExt;
    let temp = TempDir::new();

    kept(&temp.0).unwrap();

    let mode = fs::metadata(temp.join("ca.key"))
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o600);
    let leftovers: Vec<_> = fs::read_dir(&temp.0)
        .unwrap()
        .map(|entry| entry.unwrap().file_name())
        .collect();
    assert_eq!(leftovers.len(), 2, "only ca.pem and ca.key: {leftovers:?}");
}

#[test]
fn a_corrupt_kept_certificate_is_an_error_naming_it_and_is_left_alone() {
    let temp = TempDir::new();
    kept(&temp.0).unwrap();
    let cert = temp.join("ca.pem");
    fs::write(&cert, "overwritten by mistake\n").unwrap();

    let err = kept(&temp.0).unwrap_err();

    assert!(matches!(err, TlsError::NoCertificate { .. }), "{err:?}");
    assert!(
        err.to_string().contains(&cert.display().to_string()),
        "{err}"
    );
    assert_eq!(
        fs::read_to_string(&cert).unwrap(),
        "overwritten by mistake\n"
    );
}

#[test]
fn a_truncated_kept_key_is_a_pem_error_naming_it() {
    let temp = TempDir::new();
    kept(&temp.0).unwrap();
    let key = temp.join("ca.key");
    let text = fs::read_to_string(&key).unwrap();
    fs::write(&key, &text[..text.len() / 2]).unwrap();

    let err = kept(&temp.0).unwrap_err();

    assert!(matches!(err, TlsError::Pem { .. }), "{err:?}");
    assert!(err
        .to_string()
        .starts_with(&format!("{} is not valid PEM", key.display())));
}

#[test]
fn a_state_dir_holding_one_file_without_the_other_is_an_error_naming_both() {
    let temp = TempDir::new();
    kept(&temp.0).unwrap();
    fs::remove_file(temp.join("ca.key")).unwrap();

    let err = kept(&temp.0).unwrap_err();

    assert!(matches!(err, TlsError::IncompleteState { .. }), "{err:?}");
    assert_eq!(
        err.to_string(),
        format!(
            "{} exists but {} does not; remove {} to have a new CA generated",
            temp.join("ca.pem").display(),
            temp.join("ca.key").display(),
            temp.join("ca.pem").display(),
        )
    );
}

#[test]
fn a_kept_ca_with_the_key_of_another_ca_is_a_key_mismatch() {
    let temp = TempDir::new();
    let (mine, theirs) = (temp.join("mine"), temp.join("theirs"));
    kept(&mine).unwrap();
    kept(&theirs).unwrap();
    fs::copy(theirs.join("ca.key"), mine.join("ca.key")).unwrap();

    let err = kept(&mine).unwrap_err();

    assert!(matches!(err, TlsError::KeyMismatch { .. }), "{err:?}");
    assert_eq!(
        err.to_string(),
        format!(
            "the private key in {} does not belong to the first certificate in {}",
            mine.join("ca.key").display(),
            mine.join("ca.pem").display()
        )
    );
}

#[test]
fn a_kept_ca_made_by_another_tool_is_refused_rather_than_signing_untrusted_leaves() {
    // Arrange: a CA with a subject of its own, and its key, where ours would be.
    let temp = TempDir::new();
    let key = KeyPair::generate().unwrap();
    let mut params = CertificateParams::default();
    let mut name = DistinguishedName::new();
    name.push(DnType::CommonName, "Some Other Test CA");
    params.distinguished_name = name;
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params.key_usages = vec![KeyUsagePurpose::KeyCertSign];
    let ca = CertifiedIssuer::self_signed(params, key).unwrap();
    fs::write(temp.join("ca.pem"), ca.pem()).unwrap();
    fs::write(temp.join("ca.key"), ca.key().serialize_pem()).unwrap();

    // Act
    let err = kept(&temp.0).unwrap_err();

    // Assert
    assert!(matches!(err, TlsError::UnusableCa { .. }), "{err:?}");
    assert!(
        err.to_string().starts_with(&format!(
            "the CA in {} does not vouch for a leaf signed with its key (",
            temp.join("ca.pem").display()
        )),
        "{err}"
    );
}
