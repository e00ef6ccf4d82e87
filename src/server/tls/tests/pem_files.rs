//! `--tls-cert FILE --tls-key FILE`: the user's chain and key are served as given, and every
//! way the pair can be wrong is an error naming the file.

use super::*;

/// A test CA and a leaf for `localhost` signed by it, as a user might bring them.
struct UserPki {
    ca_pem: String,
    leaf_pem: String,
    leaf_key_pem: String,
}

fn user_pki() -> UserPki {
    let ca_key = KeyPair::generate().unwrap();
    let mut ca_params = CertificateParams::default();
    let mut name = DistinguishedName::new();
    name.push(DnType::CommonName, "Contoso Test Root");
    ca_params.distinguished_name = name;
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca_params.key_usages = vec![KeyUsagePurpose::KeyCertSign];
    let ca = CertifiedIssuer::self_signed(ca_params, ca_key).unwrap();
    let leaf_key = KeyPair::generate().unwrap();
    let leaf = CertificateParams::new(vec!["localhost".to_string()])
        .unwrap()
        .signed_by(&leaf_key, &ca)
        .unwrap();
    UserPki {
        ca_pem: ca.pem(),
        leaf_pem: leaf.pem(),
        leaf_key_pem: leaf_key.serialize_pem(),
    }
}

fn pem_pair(cert: &Path, key: &Path) -> CertSource {
    CertSource::Pem {
        cert: cert.to_owned(),
        key: key.to_owned(),
    }
}

#[tokio::test]
async fn a_user_chain_and_key_serve_the_handshake_and_no_ca_is_handed_out() {
    // Arrange: the cert file holds the chain, leaf first.
    let temp = TempDir::new();
    let pki = user_pki();
    let (cert, key) = (temp.join("server.pem"), temp.join("server.key"));
    fs::write(&cert, format!("{}{}", pki.leaf_pem, pki.ca_pem)).unwrap();
    fs::write(&key, &pki.leaf_key_pem).unwrap();

    // Act
    let tls = prepare(&pem_pair(&cert, &key)).unwrap();

    // Assert
    assert_eq!(tls.ca_pem, None);
    let address = serve(&tls).await;
    let (alpn, body) = fetch(&client(&pki.ca_pem, &[b"http/1.1"]), address, "localhost")
        .await
        .unwrap();
    assert_eq!(alpn.as_deref(), Some(&b"http/1.1"[..]));
    assert_eq!(body, "hello");
}

#[tokio::test]
async fn rsa_pkcs1_and_ec_sec1_keys_made_by_openssl_are_accepted() {
    // Throwaway self-signed pairs for `localhost`, made once with openssl (`genrsa
    // -traditional`, `ecparam -genkey -noout`) and used by nothing but this test.
    let temp = TempDir::new();
    for (name, cert_pem, key_pem) in [
        (
            "rsa",
            include_str!("../testdata/rsa.pem"),
            include_str!("../testdata/rsa-pkcs1.key"),
        ),
        (
            "ec",
            include_str!("../testdata/ec.pem"),
            include_str!("../testdata/ec-sec1.key"),
        ),
    ] {
        let (cert, key) = (
            temp.join(&format!("{name}.pem")),
            temp.join(&format!("{name}.key")),
        );
        fs::write(&cert, cert_pem).unwrap();
        fs::write(&key, key_pem).unwrap();

        let tls = prepare(&pem_pair(&cert, &key)).unwrap();

        let address = serve(&tls).await;
        let (_, body) = fetch(&client(cert_pem, &[]), address, "localhost")
            .await
            .unwrap();
        assert_eq!(body, "hello", "{name}");
    }
}

#[test]
fn a_key_that_belongs_to_another_certificate_is_a_mismatch_naming_both_files() {
    let temp = TempDir::new();
    let (cert, key) = (temp.join("server.pem"), temp.join("other.key"));
    fs::write(&cert, user_pki().leaf_pem).unwrap();
    fs::write(&key, user_pki().leaf_key_pem).unwrap();

    let err = prepare(&pem_pair(&cert, &key)).unwrap_err();

    assert!(matches!(err, TlsError::KeyMismatch { .. }), "{err:?}");
    assert_eq!(
        err.to_string(),
        format!(
            "the private key in {} does not belong to the first certificate in {}",
            key.display(),
            cert.display()
        )
    );
}

#[test]
fn a_missing_cert_or_key_file_is_a_read_error_naming_it() {
    let temp = TempDir::new();
    let pki = user_pki();
    let (cert, key) = (temp.join("server.pem"), temp.join("server.key"));
    let missing = temp.join("missing.pem");
    fs::write(&cert, &pki.leaf_pem).unwrap();
    fs::write(&key, &pki.leaf_key_pem).unwrap();

    for source in [pem_pair(&missing, &key), pem_pair(&cert, &missing)] {
        let err = prepare(&source).unwrap_err();

        assert!(
            matches!(&err, TlsError::Read { path, source }
                if *path == missing && source.kind() == io::ErrorKind::NotFound),
            "{err:?}"
        );
        assert!(
            err.to_string()
                .starts_with(&format!("cannot read {}: ", missing.display())),
            "{err}"
        );
    }
}

#[test]
fn an_empty_cert_file_holds_no_certificate_and_an_empty_key_file_no_key() {
    let temp = TempDir::new();
    let pki = user_pki();
    let (cert, key, empty) = (
        temp.join("server.pem"),
        temp.join("server.key"),
        temp.join("empty.pem"),
    );
    fs::write(&cert, &pki.leaf_pem).unwrap();
    fs::write(&key, &pki.leaf_key_pem).unwrap();
    fs::write(&empty, "").unwrap();

    let err = prepare(&pem_pair(&empty, &key)).unwrap_err();
    assert!(
        matches!(&err, TlsError::NoCertificate { path } if *path == empty),
        "{err:?}"
    );
    assert!(err.to_string().starts_with(&empty.display().to_string()));

    let err = prepare(&pem_pair(&cert, &empty)).unwrap_err();
    assert!(
        matches!(&err, TlsError::NoPrivateKey { path } if *path == empty),
        "{err:?}"
    );
    assert!(err.to_string().starts_with(&empty.display().to_string()));
}
