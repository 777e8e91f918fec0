//! Where the keys come from: `FERRY_ENCRYPTION_KEYS` (comma-separated `id:base64key`, the
//! newest last) or a key file (one `id:base64key` per line, the newest last; blank lines and
//! `#` comments allowed), generated with mode 0600 on first start when neither exists.

use std::{
    fmt,
    io::Write,
    path::{Path, PathBuf},
};

use rand::TryRngCore;
use secrecy::{ExposeSecret, SecretString};
use zeroize::Zeroizing;

use super::{key::EncryptionKey, CryptoError, KeyId, Keyring};

pub const KEYS_ENV: &str = "FERRY_ENCRYPTION_KEYS";
pub const KEY_FILE_ENV: &str = "FERRY_ENCRYPTION_KEY_FILE";
/// The key file's name in the data dir when [`KEY_FILE_ENV`] is not set.
pub const DEFAULT_KEY_FILE_NAME: &str = "encryption-keys";

const FILE_HEADER: &str = "\
# Ferry encryption keys: one id:base64key per line, the newest last.
# Keep this file secret and backed up: without it Ferry cannot decrypt stored credentials.
# `ferry keys rotate` adds a key; `ferry keys reencrypt` moves every secret to the newest.
";

#[derive(Clone)]
pub enum KeySource {
    /// The value of [`KEYS_ENV`].
    Environment(SecretString),
    File(PathBuf),
}

impl fmt::Debug for KeySource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            KeySource::Environment(_) => write!(f, "Environment({KEYS_ENV}: [redacted])"),
            KeySource::File(path) => f.debug_tuple("File").field(path).finish(),
        }
    }
}

impl KeySource {
    /// [`KEYS_ENV`] when set, else the key file (`key_file`, or `encryption-keys` in the
    /// data dir). Setting both is refused: which keys apply would be a guess.
    pub fn select(
        keys: Option<SecretString>,
        key_file: Option<PathBuf>,
        data_dir: &Path,
    ) -> Result<Self, CryptoError> {
        let keys = keys.filter(|keys| !keys.expose_secret().trim().is_empty());
        match (keys, key_file) {
            (Some(_), Some(_)) => Err(CryptoError::BadKey {
                origin: KEYS_ENV.into(),
                reason: format!("set either {KEYS_ENV} or {KEY_FILE_ENV}, not both"),
            }),
            (Some(keys), None) => Ok(KeySource::Environment(keys)),
            (None, Some(path)) => Ok(KeySource::File(path)),
            (None, None) => Ok(KeySource::File(data_dir.join(DEFAULT_KEY_FILE_NAME))),
        }
    }

    /// The keyring; a missing key file is created with one new key (mode 0600) and a warning.
    pub fn load(&self) -> Result<Keyring, CryptoError> {
        match self {
            KeySource::Environment(keys) => {
                let entries = keys
                    .expose_secret()
                    .split(',')
                    .enumerate()
                    .map(|(i, entry)| (i + 1, entry));
                parse_entries(entries, |n| format!("{KEYS_ENV} entry {n}"))
            }
            KeySource::File(path) => match read_key_file(path)? {
                Some(text) => parse_file(path, &text),
                None => create_key_file(path),
            },
        }
    }

    /// Appends a new newest key to the key file and returns its id. Keys from the
    /// environment cannot be changed from here.
    pub fn add_key(&self) -> Result<KeyId, CryptoError> {
        let KeySource::File(path) = self else {
            return Err(CryptoError::KeysFromEnvironment);
        };
        let keyring = self.load()?;
        let text = read_key_file(path)?.unwrap_or_default();
        let id = new_key_id(&keyring);
        let key = EncryptionKey::generate();
        let mut updated = Zeroizing::new(text.to_string());
        if !updated.is_empty() && !updated.ends_with('\n') {
            updated.push('\n');
        }
        updated.push_str(&format!("{id}:{}\n", key.to_base64().as_str()));
        write_key_file(path, &updated, true)?;
        Ok(id)
    }

    /// Where the keys come from, for messages (never the keys).
    pub fn describe(&self) -> String {
        match self {
            KeySource::Environment(_) => KEYS_ENV.to_owned(),
            KeySource::File(path) => format!("key file {}", path.display()),
        }
    }
}

fn file_error(path: &Path, reason: impl fmt::Display) -> CryptoError {
    CryptoError::KeyFile {
        path: format!("{KEY_FILE_ENV} {}", path.display()),
        reason: reason.to_string(),
    }
}

/// The file's text, or `None` when it does not exist yet.
fn read_key_file(path: &Path) -> Result<Option<Zeroizing<String>>, CryptoError> {
    match std::fs::read_to_string(path) {
        Ok(text) => {
            warn_if_readable_by_others(path);
            Ok(Some(Zeroizing::new(text)))
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(file_error(path, format!("cannot read it: {e}"))),
    }
}

#[cfg(unix)]
fn warn_if_readable_by_others(path: &Path) {
    use std::os::unix::fs::PermissionsExt;
    if let Ok(meta) = std::fs::metadata(path) {
        let mode = meta.permissions().mode() & 0o777;
        if mode & 0o077 != 0 {
            tracing::warn!(
                path = %path.display(),
                mode = format!("{mode:o}"),
                "the encryption key file can be read by other users; restrict it with chmod 600"
            );
        }
    }
}

#[cfg(not(unix))]
fn warn_if_readable_by_others(_path: &Path) {}

fn parse_file(path: &Path, text: &str) -> Result<Keyring, CryptoError> {
    let lines = text
        .lines()
        .enumerate()
        .map(|(i, line)| (i + 1, line))
        .filter(|(_, line)| !line.trim_start().starts_with('#'));
    parse_entries(lines, |n| {
        format!("encryption key file {} line {n}", path.display())
    })
}

/// `id:base64key` entries, numbered for messages; blank ones are skipped.
fn parse_entries<'t>(
    entries: impl Iterator<Item = (usize, &'t str)>,
    origin: impl Fn(usize) -> String,
) -> Result<Keyring, CryptoError> {
    let mut keys: Vec<(KeyId, EncryptionKey)> = Vec::new();
    let mut last = 0;
    for (n, entry) in entries {
        last = n;
        let entry = entry.trim();
        if entry.is_empty() {
            continue;
        }
        let bad = |reason: String| CryptoError::BadKey {
            origin: origin(n),
            reason,
        };
        let (id, key) = entry.split_once(':').ok_or_else(|| {
            bad("expected id:base64key, e.g. k2:<output of `openssl rand -base64 32`>".into())
        })?;
        let id = KeyId::parse(id).map_err(bad)?;
        if keys.iter().any(|(known, _)| *known == id) {
            return Err(bad(format!(
                "key id {id} appears twice; give each key its own id"
            )));
        }
        keys.push((id, EncryptionKey::from_base64(key).map_err(bad)?));
    }
    if keys.is_empty() {
        return Err(CryptoError::BadKey {
            origin: origin(last.max(1)),
            reason: "there are no keys; add id:base64key (32 random bytes, e.g. from `openssl rand -base64 32`)".into(),
        });
    }
    Keyring::new(keys)
}

fn create_key_file(path: &Path) -> Result<Keyring, CryptoError> {
    let id = KeyId::parse("k1").expect("a valid id");
    let key = EncryptionKey::generate();
    let text = Zeroizing::new(format!("{FILE_HEADER}{id}:{}\n", key.to_base64().as_str()));
    if !write_key_file(path, &text, false)? {
        // Another process starting at the same moment created it first: use its key.
        let text = read_key_file(path)?.unwrap_or_default();
        return parse_file(path, &text);
    }
    tracing::warn!(
        path = %path.display(),
        key_id = %id,
        "no encryption keys were configured, so Ferry created a key file; back it up: without it \
         the stored credentials cannot be decrypted"
    );
    Keyring::new(vec![(id, key)])
}

/// Writes the whole file atomically with mode 0600 (a temporary file in the same directory,
/// then renamed). Without `replace`, an existing file is left alone and `false` returned.
fn write_key_file(path: &Path, text: &str, replace: bool) -> Result<bool, CryptoError> {
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir)
        .map_err(|e| file_error(path, format!("cannot create its directory: {e}")))?;
    // tempfile creates files readable and writable by their owner only.
    let mut file = tempfile::NamedTempFile::new_in(dir)
        .map_err(|e| file_error(path, format!("cannot write: {e}")))?;
    file.write_all(text.as_bytes())
        .and_then(|_| file.as_file().sync_all())
        .map_err(|e| file_error(path, format!("cannot write: {e}")))?;
    let persisted = if replace {
        file.persist(path)
    } else {
        file.persist_noclobber(path)
    };
    match persisted {
        Ok(_) => Ok(true),
        Err(e) if !replace && e.error.kind() == std::io::ErrorKind::AlreadyExists => Ok(false),
        Err(e) => Err(file_error(path, format!("cannot write: {}", e.error))),
    }
}

/// `k` and 8 random hex digits: unlikely to meet an id from another deployment's file, so a
/// wrong key file reports an unknown key rather than a failed decryption.
fn new_key_id(keyring: &Keyring) -> KeyId {
    loop {
        let mut bytes = [0u8; 4];
        rand::rngs::OsRng
            .try_fill_bytes(&mut bytes)
            .expect("the operating system's random source is unavailable");
        let id = KeyId::parse(&format!("k{:08x}", u32::from_be_bytes(bytes))).expect("a valid id");
        if !keyring.contains(&id) {
            return id;
        }
    }
}

#[cfg(test)]
mod tests {
    use base64::{engine::general_purpose::STANDARD, Engine};

    use super::*;
    use crate::crypto::SecretContext;

    const CONTEXT: SecretContext<'static> = SecretContext {
        team_id: "t",
        row_id: "r",
        purpose: "p",
    };

    fn b64(fill: u8) -> String {
        STANDARD.encode([fill; 32])
    }

    fn env(value: &str) -> KeySource {
        KeySource::Environment(SecretString::from(value.to_owned()))
    }

    fn error(source: &KeySource) -> String {
        source.load().unwrap_err().to_string()
    }

    #[test]
    fn environment_keys_are_comma_separated_newest_last() {
        let keyring = env(&format!(" a:{} , b:{} ,", b64(1), b64(2)))
            .load()
            .unwrap();
        assert_eq!(
            keyring.ids().iter().map(KeyId::as_str).collect::<Vec<_>>(),
            ["a", "b"]
        );
        assert_eq!(keyring.newest().as_str(), "b");
    }

    #[test]
    fn malformed_environment_keys_name_the_variable_and_entry_without_the_key() {
        let short = STANDARD.encode([3u8; 16]);
        let cases = [
            (
                format!("a:{},b:{short}", b64(1)),
                "FERRY_ENCRYPTION_KEYS entry 2: the key decodes to 16 bytes",
            ),
            (
                b64(1),
                "FERRY_ENCRYPTION_KEYS entry 1: expected id:base64key",
            ),
            (
                format!("a:{},a:{}", b64(1), b64(2)),
                "FERRY_ENCRYPTION_KEYS entry 2: key id a appears twice",
            ),
            (
                format!("bad id:{}", b64(1)),
                "FERRY_ENCRYPTION_KEYS entry 1: the key id",
            ),
            (
                "a:***".into(),
                "FERRY_ENCRYPTION_KEYS entry 1: the key is not valid base64",
            ),
            (
                " , ".into(),
                "FERRY_ENCRYPTION_KEYS entry 2: there are no keys",
            ),
        ];
        for (value, expected) in cases {
            let message = error(&env(&value));
            assert!(message.starts_with(expected), "{value}: {message}");
            assert!(
                !message.contains(&b64(1)) && !message.contains(&short),
                "{message}"
            );
            assert_eq!(message.lines().count(), 1, "{message}");
        }
    }

    #[test]
    fn selection_prefers_the_environment_and_refuses_both() {
        let data = Path::new("/srv/ferry");
        let keys = || Some(SecretString::from(format!("a:{}", b64(1))));
        assert!(matches!(
            KeySource::select(keys(), None, data),
            Ok(KeySource::Environment(_))
        ));
        let default =
            KeySource::select(Some(SecretString::from(" ".to_owned())), None, data).unwrap();
        assert!(
            matches!(&default, KeySource::File(p) if p == Path::new("/srv/ferry/encryption-keys"))
        );
        let chosen = KeySource::select(None, Some("/etc/ferry/keys".into()), data).unwrap();
        assert!(matches!(&chosen, KeySource::File(p) if p == Path::new("/etc/ferry/keys")));
        let both = KeySource::select(keys(), Some("/etc/ferry/keys".into()), data)
            .unwrap_err()
            .to_string();
        assert!(
            both.contains("not both") && !both.contains(&b64(1)),
            "{both}"
        );
        let shown = format!("{:?}", KeySource::select(keys(), None, data).unwrap());
        assert!(!shown.contains(&b64(1)), "{shown}");
    }

    #[test]
    fn a_missing_key_file_is_generated_owner_only_and_then_reused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("nested").join("encryption-keys");
        let source = KeySource::File(path.clone());
        let first = source.load().unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode, 0o600, "mode {mode:o}");
        }
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.starts_with("# Ferry encryption keys"), "{text}");
        assert!(text.lines().last().unwrap().starts_with("k1:"));
        let sealed = first.seal(&CONTEXT, &b"secret".to_vec().into()).unwrap();
        let again = source.load().unwrap();
        assert_eq!(
            again.open(&CONTEXT, &sealed).unwrap().expose_secret(),
            b"secret"
        );
    }

    #[test]
    fn malformed_key_file_names_the_file_and_line() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("keys");
        std::fs::write(
            &path,
            format!(
                "# comment\n\nk1:{}\nk2:{}\n",
                b64(1),
                STANDARD.encode([0u8; 31])
            ),
        )
        .unwrap();
        let message = error(&KeySource::File(path.clone()));
        assert_eq!(
            message,
            format!(
                "encryption key file {} line 4: the key decodes to 31 bytes but must be 32; create one with \
                 `openssl rand -base64 32`",
                path.display()
            )
        );
        std::fs::write(&path, "# only a comment\n").unwrap();
        assert!(
            error(&KeySource::File(path.clone())).contains("there are no keys"),
            "an emptied file is not replaced"
        );
    }

    #[test]
    fn rotation_appends_a_newest_key_and_keeps_the_others() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("keys");
        std::fs::write(&path, format!("# mine\nold:{}", b64(1))).unwrap();
        let source = KeySource::File(path.clone());
        let sealed = source
            .load()
            .unwrap()
            .seal(&CONTEXT, &b"kept".to_vec().into())
            .unwrap();
        let id = source.add_key().unwrap();
        let keyring = source.load().unwrap();
        assert_eq!(keyring.newest(), &id);
        assert_eq!(keyring.ids().len(), 2);
        assert_eq!(
            keyring.open(&CONTEXT, &sealed).unwrap().expose_secret(),
            b"kept"
        );
        assert!(std::fs::read_to_string(&path)
            .unwrap()
            .starts_with("# mine\nold:"));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(
                std::fs::metadata(&path).unwrap().permissions().mode() & 0o777,
                0o600
            );
        }
        let refused = env(&format!("a:{}", b64(1))).add_key().unwrap_err();
        assert_eq!(refused, CryptoError::KeysFromEnvironment);
        assert!(refused.to_string().contains("FERRY_ENCRYPTION_KEYS"));
    }
}
