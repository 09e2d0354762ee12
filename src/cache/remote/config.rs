//! What a run knows about its remote cache: the server's URL (checked once, never holding a
//! credential), the mode, the request timeout, and the credentials read from the environment.

use std::time::Duration;

use serde::Deserialize;

/// The default `remote-cache-timeout`: 5 seconds.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(5);

/// The variable holding a bearer token (`Authorization: Bearer TOKEN`).
pub const TOKEN_VARIABLE: &str = "FORGE_REMOTE_CACHE_TOKEN";
/// The variables holding a user and password for basic auth (RFC 7617).
pub const USER_VARIABLE: &str = "FORGE_REMOTE_CACHE_USER";
/// See [`USER_VARIABLE`].
pub const PASSWORD_VARIABLE: &str = "FORGE_REMOTE_CACHE_PASSWORD";

/// `remote-cache-mode`: whether this run uploads what it proves.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, schemars::JsonSchema, clap::ValueEnum)]
#[serde(rename_all = "kebab-case")]
pub enum RemoteMode {
    /// Look results up and upload each new one (the default).
    ReadWrite,
    /// Look results up only: a pull-request job that must not write a shared cache.
    Read,
}

impl RemoteMode {
    /// As written in sessions.toml and run.json.
    pub fn as_str(self) -> &'static str {
        match self {
            RemoteMode::ReadWrite => "read-write",
            RemoteMode::Read => "read",
        }
    }
}

/// A run's remote cache, resolved from the command line, the environment and `[forge]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RemoteConfig {
    /// The base URL without a trailing `/`: `http://host:8080` or `https://host/prefix`.
    pub url: String,
    /// Read-write or read-only.
    pub mode: RemoteMode,
    /// The longest a request waits to connect, for the response's headers, or between two reads
    /// or writes of its body.
    pub timeout: Duration,
}

/// How requests authenticate, read from the environment only (a secret never sits in
/// sessions.toml, on the command line or in forge's output).
#[derive(Clone, PartialEq, Eq)]
pub enum Auth {
    /// No `Authorization` header.
    None,
    /// `Authorization: Bearer TOKEN`.
    Bearer(String),
    /// `Authorization: Basic base64(user:password)`.
    Basic {
        /// The user.
        user: String,
        /// The password.
        password: String,
    },
}

impl std::fmt::Debug for Auth {
    // Never the secret itself, even in a debug log.
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.write_str(match self {
            Auth::None => "Auth::None",
            Auth::Bearer(_) => "Auth::Bearer(…)",
            Auth::Basic { .. } => "Auth::Basic(…)",
        })
    }
}

impl Auth {
    /// [`TOKEN_VARIABLE`] when set and not empty, else [`USER_VARIABLE`] with
    /// [`PASSWORD_VARIABLE`] (which may be empty), else none.
    pub fn from_env(env: impl Fn(&str) -> Option<String>) -> Self {
        if let Some(token) = env(TOKEN_VARIABLE).filter(|token| !token.is_empty()) {
            return Auth::Bearer(token);
        }
        match env(USER_VARIABLE).filter(|user| !user.is_empty()) {
            Some(user) => Auth::Basic { user, password: env(PASSWORD_VARIABLE).unwrap_or_default() },
            None => Auth::None,
        }
    }

    /// The `Authorization` header's value, if any.
    pub fn header(&self) -> Option<String> {
        use base64::Engine as _;
        match self {
            Auth::None => None,
            Auth::Bearer(token) => Some(format!("Bearer {token}")),
            Auth::Basic { user, password } => Some(format!(
                "Basic {}",
                base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}"))
            )),
        }
    }
}

/// Checks a remote-cache URL as written and returns it without its trailing `/`.
///
/// # Errors
/// Why it is not usable, one line: not `http://` or `https://`, no host, a query or fragment,
/// or credentials (`user:password@`), which belong in the environment.
pub fn check_url(text: &str) -> Result<String, String> {
    let text = text.trim();
    let Some((scheme, rest)) = text.split_once("://") else {
        return Err("is not an http:// or https:// URL".into());
    };
    if !scheme.eq_ignore_ascii_case("http") && !scheme.eq_ignore_ascii_case("https") {
        return Err(format!("has scheme `{scheme}`; forge speaks http:// and https://"));
    }
    let authority = rest.split('/').next().unwrap_or_default();
    if authority.contains('@') {
        // Not echoed: the part before `@` is a secret.
        return Err(format!("holds credentials; set {TOKEN_VARIABLE}, or {USER_VARIABLE} and {PASSWORD_VARIABLE}"));
    }
    if authority.is_empty() {
        return Err("has no host".into());
    }
    if rest.contains(['?', '#']) {
        return Err("has a query or fragment; give the base URL only".into());
    }
    let uri: ureq::http::Uri = text.parse().map_err(|error| format!("is not a URL ({error})"))?;
    if uri.host().is_none_or(str::is_empty) {
        return Err("has no host".into());
    }
    Ok(text.trim_end_matches('/').to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_are_checked_and_a_credential_is_never_echoed() {
        assert_eq!(check_url("http://127.0.0.1:8080/").unwrap(), "http://127.0.0.1:8080");
        assert_eq!(check_url("https://cache.example/forge").unwrap(), "https://cache.example/forge");
        assert!(check_url("ftp://host").unwrap_err().contains("`ftp`"));
        assert!(check_url("host:8080").unwrap_err().contains("http://"));
        assert!(check_url("http://").unwrap_err().contains("no host"));
        assert!(check_url("http://host/?x=1").unwrap_err().contains("query"));
        let error = check_url("http://me:hunter2@host").unwrap_err();
        assert!(!error.contains("hunter2") && error.contains(TOKEN_VARIABLE), "{error}");
    }

    #[test]
    fn credentials_come_from_the_environment_token_first() {
        let env = |pairs: &'static [(&'static str, &'static str)]| {
            move |key: &str| pairs.iter().find(|(name, _)| *name == key).map(|(_, value)| (*value).to_owned())
        };
        assert_eq!(Auth::from_env(env(&[])), Auth::None);
        const BOTH: &[(&str, &str)] = &[(TOKEN_VARIABLE, "t0k"), (USER_VARIABLE, "me")];
        assert_eq!(Auth::from_env(env(BOTH)).header().unwrap(), "Bearer t0k");
        // RFC 7617's example: Aladdin / open sesame.
        const BASIC: &[(&str, &str)] = &[(USER_VARIABLE, "Aladdin"), (PASSWORD_VARIABLE, "open sesame")];
        assert_eq!(Auth::from_env(env(BASIC)).header().unwrap(), "Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==");
        assert!(!format!("{:?}", Auth::from_env(env(BASIC))).contains("sesame"));
    }
}
