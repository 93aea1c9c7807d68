//! A database that goes away: requests are answered 503 with `Retry-After` within
//! `TOWER_DB_ACQUIRE_TIMEOUT` instead of an internal error, and served again when it is back.
//! The backend reaches MariaDB through a TCP relay that the test cuts, as a network partition or
//! a stopped server would.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinSet;

use crate::helpers::{fresh_database, mysql_available, Kind, TestApp};

/// Forwards connections on `listen` to `target` until aborted; aborting closes every connection.
async fn relay(listen: SocketAddr, target: SocketAddr) -> (SocketAddr, tokio::task::JoinHandle<()>) {
    let listener = TcpListener::bind(listen).await.unwrap();
    let addr = listener.local_addr().unwrap();
    let task = tokio::spawn(async move {
        let mut connections = JoinSet::new();
        while let Ok((mut client, _)) = listener.accept().await {
            connections.spawn(async move {
                if let Ok(mut server) = TcpStream::connect(target).await {
                    let _ = tokio::io::copy_bidirectional(&mut client, &mut server).await;
                }
            });
        }
    });
    (addr, task)
}

/// A fresh MariaDB database: its URL, the server's address, and what to drop at the end. `None`
/// without `TOWER_TEST_MYSQL_URL`.
async fn mariadb() -> Option<(url::Url, SocketAddr, Option<(String, String)>)> {
    if !mysql_available() {
        eprintln!("TOWER_TEST_MYSQL_URL is not set: not run");
        return None;
    }
    let (direct, mysql_db, _) = fresh_database(Kind::MySql).await;
    let url = url::Url::parse(&direct).unwrap();
    let server = format!("{}:{}", url.host_str().unwrap(), url.port().unwrap_or(3306)).parse().unwrap();
    Some((url, server, mysql_db))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_database_outage_answers_503_with_retry_after_and_recovers() {
    let Some((mut url, target, mysql_db)) = mariadb().await else { return };
    let (relayed, cut) = relay("127.0.0.1:0".parse().unwrap(), target).await;
    url.set_port(Some(relayed.port())).unwrap();
    let app = TestApp::spawn_on(Kind::MySql, url.to_string(), mysql_db, None, &[("TOWER_DB_ACQUIRE_TIMEOUT", "1s")]).await;
    let list = || app.client.get(app.url("/workflow")).bearer_auth(&app.token).send();
    assert_eq!(list().await.unwrap().status().as_u16(), 200);

    cut.abort();
    let _ = cut.await;
    let started = Instant::now();
    let r = list().await.unwrap();
    assert_eq!(r.status().as_u16(), 503);
    assert_eq!(r.headers()["retry-after"], "5");
    let body: serde_json::Value = r.json().await.unwrap();
    assert!(body["message"].as_str().unwrap().contains("database"), "{body}");
    assert!(started.elapsed() < Duration::from_secs(10), "answered after {:?}", started.elapsed());

    let (_, back) = relay(relayed, target).await;
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let status = list().await.unwrap().status().as_u16();
        if status == 200 {
            break;
        }
        assert!(Instant::now() < deadline, "still {status} after the database came back");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    back.abort();
    app.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_backend_started_before_its_database_waits_for_it_and_then_serves() {
    let Some((mut url, target, mysql_db)) = mariadb().await else { return };
    // A port where no database answers yet.
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    url.set_port(Some(port)).unwrap();
    // The backend starts now; the database comes three seconds later. Without waiting for it,
    // the start would fail ("backend starts" panics in the harness).
    let starting = TestApp::spawn_on(Kind::MySql, url.to_string(), mysql_db, None, &[]);
    let database_comes = async {
        tokio::time::sleep(Duration::from_secs(3)).await;
        relay(format!("127.0.0.1:{port}").parse().unwrap(), target).await
    };
    let (app, (_, relay_task)) = tokio::time::timeout(Duration::from_secs(40), async { tokio::join!(starting, database_comes) })
        .await
        .expect("ready once the database answers");
    let r = app.client.get(app.url("/health")).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 200);
    app.finish().await;
    relay_task.abort();
}
