//! The generated CA can only vouch for test names: critical name constraints (read back from
//! the certificate, and enforced by a real client), a two-year validity, and a state folder
//! that nobody else can plant a CA or a symlink in.

use x509_parser::extensions::{GeneralName, ParsedExtension};
use x509_parser::prelude::{FromDer, X509Certificate};

use super::super::state as state_dir;
use super::*;

/// The permitted subtrees of the CA in `tls` (DNS names as written, IP ranges as
/// `address/mask` bytes in hex) and whether the extension is critical.
fn permitted(tls: &Tls) -> (bool, Vec<String>) {
    let der = CertificateDer::pem_slice_iter(tls.ca_pem.as_deref().unwrap().as_bytes())
        .next()
        .unwrap()
        .unwrap();
    let (_, cert) = X509Certificate::from_der(&der).unwrap();
    let extension = cert
        .extensions()
        .iter()
        .find(|e| matches!(e.parsed_extension(), ParsedExtension::NameConstraints(_)))
        .expect("the CA carries name constraints");
    let ParsedExtension::NameConstraints(constraints) = extension.parsed_extension() else {
        unreachable!()
    };
    assert!(constraints.excluded_subtrees.is_none());
    let names = constraints
        .permitted_subtrees
        .as_ref()
        .unwrap()
        .iter()
        .map(|subtree| match &subtree.base {
            GeneralName::DNSName(name) => name.to_string(),
            GeneralName::IPAddress(bytes) => {
                bytes.iter().map(|b| format!("{b:02x}")).collect::<String>()
            }
            other => panic!("unexpected subtree {other:?}"),
        })
        .collect();
    (extension.critical, names)
}

#[test]
fn the_generated_ca_permits_only_test_names_loopback_and_private_ranges_critically() {
    let tls = prepare(&generated(
        &["um01.contoso.com", "lab.test", "192.0.2.7", "::"],
        None,
    ))
    .unwrap();

    let (critical, names) = permitted(&tls);

    assert!(critical, "name constraints must be critical");
    assert_eq!(
        names,
        [
            "localhost",
            ".localhost",
            "7f000000ff000000", // 127/8
            "00000000000000000000000000000001ffffffffffffffffffffffffffffffff", // ::1
            "0a000000ff000000", // 10/8
            "ac100000fff00000", // 172.16/12
            "c0a80000ffff0000", // 192.168/16
            "fc000000000000000000000000000000fe000000000000000000000000000000", // fc00::/7
            "um01.contoso.com",
            "lab.test",
            "c0000207ffffffff", // the listen host 192.0.2.7
            "contoso.com",      // server.fqdn's parent domain
        ]
    );
}

#[test]
fn an_fqdn_directly_under_a_top_level_domain_does_not_permit_the_whole_domain() {
    let tls = prepare(&CertSource::Generated {
        hosts: vec!["um01.com".into()],
        fqdn: "um01.com".into(),
        state_dir: None,
    })
    .unwrap();
    let (_, names) = permitted(&tls);
    assert!(names.contains(&"um01.com".to_string()));
    assert!(!names.contains(&"com".to_string()), "{names:?}");
}

#[test]
fn the_generated_ca_is_valid_for_two_years() {
    let tls = prepare(&generated(&[], None)).unwrap();
    let der = CertificateDer::pem_slice_iter(tls.ca_pem.as_deref().unwrap().as_bytes())
        .next()
        .unwrap()
        .unwrap();
    let (_, cert) = X509Certificate::from_der(&der).unwrap();

    let validity = cert.validity();
    let days = (validity.not_after.timestamp() - validity.not_before.timestamp()) / 86_400;

    // Two years from now, valid since yesterday (for clients whose clock is behind).
    assert_eq!(days, 2 * 365 + 1);
}

#[tokio::test]
async fn a_leaf_the_ca_signs_for_another_name_is_refused_by_a_real_client() {
    // Arrange: a leaf signed by the generated CA that also names a public host, as a stolen
    // CA key could make.
    let ca = ca::Ca::generate(&[], "um01.contoso.com").unwrap();
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut refused = Vec::new();
    for host in ["www.bank.example", "8.8.8.8", "notlocalhost"] {
        let leaf = leaf::issue(&ca, &[host.to_string()]).unwrap();
        let der = leaf.der.to_vec();
        let config = server_config(&provider, vec![leaf.der], leaf.key).unwrap();
        let tls = Tls {
            acceptor: TlsAcceptor::new(config, &der),
            ca_pem: Some(ca.pem.clone()),
        };
        let address = serve(&tls).await;

        // Act: a client that trusts the CA asks for the host, and for localhost.
        for name in [host, "localhost"] {
            let err = fetch(&client(&ca.pem, &[]), address, name)
                .await
                .unwrap_err();
            // Assert
            refused.push(format!("{name}: {}", rustls_error(&err)));
        }
    }
    assert!(
        refused
            .iter()
            .all(|r| r.contains("invalid peer certificate")),
        "{refused:#?}"
    );
}

#[test]
fn a_kept_ca_refuses_a_host_its_constraints_were_not_made_for() {
    let temp = TempDir::new();
    let state = temp.join("state");
    prepare(&generated(&[], Some(&state))).unwrap();

    let err = prepare(&generated(&["www.other.example"], Some(&state))).unwrap_err();

    assert!(matches!(err, TlsError::HostNotPermitted { .. }), "{err:?}");
    assert!(
        err.to_string().starts_with(&format!(
            "the CA kept in {} may not vouch for www.other.example",
            state.join("ca.pem").display()
        )),
        "{err}"
    );
    // A listen host inside the permitted ranges needs no new CA.
    prepare(&generated(
        &["10.20.30.40", "um01.contoso.com"],
        Some(&state),
    ))
    .unwrap();
}

#[cfg(unix)]
mod unix {
    use std::os::unix::fs::{symlink, PermissionsExt};

    use super::*;

    #[test]
    fn a_symlink_planted_as_the_key_is_refused_and_its_target_untouched() {
        let temp = TempDir::new();
        let state = temp.join("state");
        fs::create_dir(&state).unwrap();
        fs::set_permissions(&state, fs::Permissions::from_mode(0o700)).unwrap();
        let target = temp.join("precious");
        fs::write(&target, "do not overwrite").unwrap();
        symlink(&target, state.join("ca.key")).unwrap();
        // A dangling one, too: a link to where a file would be created.
        symlink(temp.join("nowhere"), state.join("ca.pem")).unwrap();

        let err = prepare(&generated(&[], Some(&state))).unwrap_err();

        assert!(matches!(err, TlsError::UnsafeState { .. }), "{err:?}");
        assert!(err.to_string().contains("is a symlink"), "{err}");
        assert_eq!(fs::read_to_string(&target).unwrap(), "do not overwrite");
        assert!(!temp.join("nowhere").exists());
    }

    #[test]
    fn the_key_is_written_new_and_a_symlink_appearing_at_its_path_is_replaced_not_followed() {
        let temp = TempDir::new();
        let target = temp.join("precious");
        fs::write(&target, "do not overwrite").unwrap();
        let key = temp.join("ca.key");
        symlink(&target, &key).unwrap();
        // Also a link where the temporary file goes.
        let mut tmp = key.as_os_str().to_owned();
        tmp.push(format!(".tmp-{}", std::process::id()));
        symlink(&target, &tmp).unwrap();

        state_dir::write_new(&key, b"secret", 0o600).unwrap();

        assert_eq!(fs::read_to_string(&target).unwrap(), "do not overwrite");
        assert_eq!(fs::read_to_string(&key).unwrap(), "secret");
        let metadata = fs::symlink_metadata(&key).unwrap();
        assert!(metadata.file_type().is_file());
        assert_eq!(metadata.permissions().mode() & 0o777, 0o600);
    }

    #[test]
    fn a_state_folder_others_can_write_into_is_refused_with_one_paragraph() {
        let temp = TempDir::new();
        let state = temp.join("state");
        prepare(&generated(&[], Some(&state))).unwrap();
        for mode in [0o777, 0o770, 0o702] {
            fs::set_permissions(&state, fs::Permissions::from_mode(mode)).unwrap();

            let err = prepare(&generated(&[], Some(&state))).unwrap_err();

            let text = err.to_string();
            assert!(matches!(err, TlsError::UnsafeState { .. }), "{err:?}");
            assert!(
                text.starts_with(&format!(
                    "refusing the TLS state folder: {} is writable by its group or by everyone (mode {mode:o})",
                    state.display()
                )),
                "{text}"
            );
            assert!(!text.contains('\n'));
        }
        fs::set_permissions(&state, fs::Permissions::from_mode(0o755)).unwrap();
        prepare(&generated(&[], Some(&state))).unwrap();
    }

    #[test]
    fn a_state_file_or_folder_another_user_owns_is_refused() {
        let temp = TempDir::new();
        let metadata = fs::metadata(&temp.0).unwrap();
        let me = state_dir::current_user().unwrap();

        let err = state_dir::check_owner(&temp.0, &metadata, Some(me + 1)).unwrap_err();

        assert!(
            err.to_string().contains(&format!(
                "is owned by user id {me}, not by the user running the server ({})",
                me + 1
            )),
            "{err}"
        );
        state_dir::check_owner(&temp.0, &metadata, Some(me)).unwrap();
    }

    #[test]
    fn a_new_state_folder_is_made_private_whatever_the_umask() {
        let temp = TempDir::new();
        let state = temp.join("a/b");

        prepare(&generated(&[], Some(&state))).unwrap();

        let mode = fs::metadata(&state).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o700);
    }
}
