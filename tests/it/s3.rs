//! The test suite's real S3-compatible server: the `s3s-fs` crate (an S3 protocol implementation
//! over a folder) served over HTTP on a random port, with signed requests, for as long as the
//! test holds it.

use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto::Builder;
use portico::attachments::settings::{AttachmentSettings, S3Location, StoreLocation};
use s3s::auth::SimpleAuth;
use s3s::service::S3ServiceBuilder;

const ACCESS_KEY: &str = "portico-test";
const SECRET_KEY: &str = "portico-test-secret-key";
pub const BUCKET: &str = "portico-files";

pub struct TestS3 {
    pub endpoint: String,
    pub root: PathBuf,
    /// Every request it was sent: "METHOD /path?query".
    requests: Arc<Mutex<Vec<String>>>,
    server: tokio::task::JoinHandle<()>,
}

impl TestS3 {
    pub async fn start() -> Self {
        let root = std::env::temp_dir().join(format!("portico-s3-{}", uuid::Uuid::now_v7().simple()));
        std::fs::create_dir_all(root.join(BUCKET)).unwrap();
        let filesystem = s3s_fs::FileSystem::new(&root).expect("an s3s-fs root");
        let mut builder = S3ServiceBuilder::new(filesystem);
        builder.set_auth(SimpleAuth::from_single(ACCESS_KEY, SECRET_KEY));
        let service = builder.build();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let endpoint = format!("http://{}", listener.local_addr().unwrap());
        let requests = Arc::new(Mutex::new(Vec::new()));
        let log = requests.clone();
        let server = tokio::spawn(async move {
            let http = Builder::new(TokioExecutor::new());
            while let Ok((socket, _)) = listener.accept().await {
                let (service, log) = (service.clone(), log.clone());
                let logged =
                    hyper::service::service_fn(move |request: hyper::Request<hyper::body::Incoming>| {
                        log.lock().unwrap().push(format!("{} {}", request.method(), request.uri()));
                        hyper::service::Service::call(&service, request)
                    });
                let connection = http.serve_connection(TokioIo::new(socket), logged).into_owned();
                tokio::spawn(async move {
                    let _ = connection.await;
                });
            }
        });
        Self { endpoint, root, requests, server }
    }

    /// The requests it was sent so far, "METHOD /path?query" each.
    pub fn requests(&self) -> Vec<String> {
        self.requests.lock().unwrap().clone()
    }

    /// Attachment settings that store in this server's bucket, under a prefix.
    pub fn settings(&self, max_file_bytes: u64, max_ticket_bytes: u64) -> AttachmentSettings {
        AttachmentSettings {
            store: StoreLocation::S3(S3Location {
                bucket: BUCKET.into(),
                prefix: "desk/attachments".into(),
                endpoint: Some(self.endpoint.clone()),
                region: "us-east-1".into(),
                access_key_id: Some(ACCESS_KEY.to_string().into()),
                secret_access_key: Some(SECRET_KEY.to_string().into()),
            }),
            max_file_bytes,
            max_ticket_bytes,
        }
    }

    /// Objects in the bucket (any depth).
    pub fn objects(&self) -> Vec<PathBuf> {
        fn walk(dir: &std::path::Path, found: &mut Vec<PathBuf>) {
            for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
                let path = entry.path();
                if path.is_dir() {
                    walk(&path, found);
                } else if !path.to_string_lossy().contains(".s3s") {
                    found.push(path);
                }
            }
        }
        let mut found = Vec::new();
        walk(&self.root.join(BUCKET), &mut found);
        found
    }
}

impl Drop for TestS3 {
    fn drop(&mut self) {
        self.server.abort();
        std::fs::remove_dir_all(&self.root).ok();
    }
}
