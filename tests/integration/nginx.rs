//! A real nginx (Debian's, with its WebDAV module) serving Bazel's HTTP cache protocol on a port
//! of 127.0.0.1 the harness picked: `PUT` stores a file under the root, `GET`/`HEAD` serve it.
//! Each test starts its own and it stops on drop. Faults are nginx configuration: a `return 500`,
//! a `limit_rate` slower than forge's timeout, a bearer-token check, `auth_basic`.

use std::io::{Read as _, Write as _};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use crate::support::wait_until;

/// A running nginx.
pub struct Nginx {
    child: Child,
    /// The server's base URL, `http://127.0.0.1:PORT`.
    pub url: String,
    /// Where PUT files land: `ROOT/ac/KEY`, `ROOT/cas/SHA256`.
    pub root: PathBuf,
    _dir: tempfile::TempDir,
}

/// What the server does besides serving the cache.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Behaviour {
    /// A plain WebDAV cache.
    Cache,
    /// Every request answered `500 Internal Server Error`.
    Error500,
    /// Responses sent at 1 byte per second (beyond any sane timeout).
    Slow,
    /// Requests without `Authorization: Bearer s3cret-token` get 401.
    Bearer,
    /// HTTP basic auth (nginx's `auth_basic`): user `ci`, password `open sesame`.
    Basic,
}

fn nginx_binary() -> &'static str {
    if Path::new("/usr/sbin/nginx").exists() { "/usr/sbin/nginx" } else { "nginx" }
}

impl Nginx {
    /// Starts nginx with `behaviour`, retrying on another port if the picked one was taken
    /// meanwhile.
    pub fn start(behaviour: Behaviour) -> Self {
        for _ in 0..5 {
            if let Some(nginx) = Self::try_start(behaviour) {
                return nginx;
            }
        }
        panic!("nginx did not start (is it installed? scripts/install-test-deps installs it)");
    }

    fn try_start(behaviour: Behaviour) -> Option<Self> {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("root");
        std::fs::create_dir_all(&root).unwrap();
        std::fs::create_dir_all(dir.path().join("tmp")).unwrap();
        let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let location = match behaviour {
            Behaviour::Cache => String::new(),
            Behaviour::Error500 => "return 500;".into(),
            Behaviour::Slow => "limit_rate 1;".into(),
            Behaviour::Bearer => "if ($http_authorization != \"Bearer s3cret-token\") { return 401; }".into(),
            Behaviour::Basic => {
                let users = dir.path().join("htpasswd");
                std::fs::write(&users, "ci:{PLAIN}open sesame\n").unwrap();
                format!("auth_basic \"forge\";\nauth_basic_user_file {};", users.display())
            }
        };
        let base = dir.path().display();
        let config = format!(
            "daemon off;\nmaster_process off;\nworker_processes 1;\npid {base}/nginx.pid;\n\
             error_log {base}/error.log warn;\nevents {{ worker_connections 64; }}\nhttp {{\n\
             access_log {base}/access.log;\nclient_body_temp_path {base}/tmp;\nproxy_temp_path {base}/tmp;\n\
             fastcgi_temp_path {base}/tmp;\nuwsgi_temp_path {base}/tmp;\nscgi_temp_path {base}/tmp;\n\
             client_max_body_size 0;\nserver {{\nlisten 127.0.0.1:{port};\nroot {root};\n\
             location / {{\n{location}\ndav_methods PUT;\ncreate_full_put_path on;\n\
             dav_access user:rw group:r all:r;\n}}\n}}\n}}\n",
            root = root.display()
        );
        let config_path = dir.path().join("nginx.conf");
        std::fs::write(&config_path, config).unwrap();
        let mut child = Command::new(nginx_binary())
            .arg("-p")
            .arg(dir.path())
            .arg("-e")
            .arg(dir.path().join("error.log"))
            .arg("-c")
            .arg(&config_path)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("nginx starts (scripts/install-test-deps installs it)");
        let mut exited = false;
        wait_until("nginx listens or exits", || {
            exited = child.try_wait().unwrap().is_some();
            exited || TcpStream::connect(("127.0.0.1", port)).is_ok()
        });
        if exited {
            return None;
        }
        Some(Self { child, url: format!("http://127.0.0.1:{port}"), root, _dir: dir })
    }

    /// Every file the server holds under `area` (`ac` or `cas`), sorted.
    pub fn files(&self, area: &str) -> Vec<PathBuf> {
        let mut files: Vec<PathBuf> = std::fs::read_dir(self.root.join(area))
            .map(|entries| entries.flatten().map(|entry| entry.path()).collect())
            .unwrap_or_default();
        files.sort();
        files
    }

    /// The access log's request lines so far (`PUT /cas/… 201`).
    pub fn requests(&self) -> Vec<String> {
        let log = std::fs::read_to_string(self._dir.path().join("access.log")).unwrap_or_default();
        log.lines()
            .filter_map(|line| {
                let request = line.split('"').nth(1)?;
                let status = line.split('"').nth(2)?.split_whitespace().next()?;
                Some(format!("{} {status}", request.trim_end_matches(" HTTP/1.1")))
            })
            .collect()
    }
}

impl Drop for Nginx {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A port on 127.0.0.1 where nothing listens (bound, then released).
pub fn closed_port_url() -> String {
    let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    format!("http://127.0.0.1:{port}")
}

/// A proxy in front of `upstream` that passes every request through but cuts each `/cas/` body
/// in half and closes the connection: a truncated download. nginx cannot be made to lie about a
/// body's length, so this one fault is provoked by a small server of the test's own.
pub struct TruncatingProxy {
    /// `http://127.0.0.1:PORT`.
    pub url: String,
}

impl TruncatingProxy {
    /// Starts the proxy on a thread; it lives as long as the test process.
    pub fn start(upstream: &str) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let upstream = upstream.trim_start_matches("http://").to_owned();
        std::thread::spawn(move || {
            for client in listener.incoming().flatten() {
                let upstream = upstream.clone();
                std::thread::spawn(move || proxy_one(client, &upstream));
            }
        });
        Self { url }
    }
}

/// One request: read it whole, forward it with `Connection: close`, relay the answer (halved
/// for a `/cas/` GET).
fn proxy_one(mut client: TcpStream, upstream: &str) {
    let mut request = Vec::new();
    let mut buffer = [0u8; 8192];
    let (head_end, length) = loop {
        let Ok(read) = client.read(&mut buffer) else { return };
        if read == 0 {
            return;
        }
        request.extend_from_slice(&buffer[..read]);
        if let Some(end) = request.windows(4).position(|window| window == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&request[..end]).to_ascii_lowercase();
            let length = head
                .lines()
                .find_map(|line| line.strip_prefix("content-length:").map(|value| value.trim().parse().unwrap_or(0)))
                .unwrap_or(0usize);
            break (end + 4, length);
        }
    };
    while request.len() < head_end + length {
        let Ok(read) = client.read(&mut buffer) else { return };
        if read == 0 {
            return;
        }
        request.extend_from_slice(&buffer[..read]);
    }
    let head = String::from_utf8_lossy(&request[..head_end]).into_owned();
    let truncate = head.starts_with("GET /cas/");
    // One answer per connection, read to its end: the client's own `Connection` header goes.
    let mut lines: Vec<&str> =
        head.split("\r\n").filter(|line| !line.to_ascii_lowercase().starts_with("connection:")).collect();
    lines.insert(1, "Connection: close");
    let head = lines.join("\r\n");
    let Ok(mut server) = TcpStream::connect(upstream) else { return };
    let _ = server.write_all(head.as_bytes());
    let _ = server.write_all(&request[head_end..]);
    let mut answer = Vec::new();
    let _ = server.read_to_end(&mut answer);
    if truncate && let Some(end) = answer.windows(4).position(|window| window == b"\r\n\r\n") {
        let body = answer.len() - (end + 4);
        answer.truncate(end + 4 + body / 2);
    }
    let _ = client.write_all(&answer);
}
