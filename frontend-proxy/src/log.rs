//! Log lines written in batches by a background thread.
//!
//! The proxy logs one line per request. Writing each line to stderr from the request's thread
//! makes every request pay a system call (and wait when the log reader is slow); handing each
//! line to a writer thread costs a wake-up of that thread per line. Here a line is only copied
//! into a shared buffer; the writer thread writes the buffer out every [`FLUSH_EVERY`], or at
//! once when it holds [`FLUSH_AT`] bytes. Nothing is dropped: when stderr cannot keep up and the
//! buffer reaches [`MAX_BUFFERED`], loggers wait for the writer as they would on stderr itself.
//! The access log, one line per request, skips `tracing`'s formatting (see [`access`]).

use std::io::Write;
use std::sync::{Arc, Condvar, Mutex, MutexGuard, OnceLock};
use std::thread::JoinHandle;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use hyper::Method;
use tracing::Level;

use crate::config::LogFormat;

/// Longest a line waits in the buffer.
pub const FLUSH_EVERY: Duration = Duration::from_millis(50);
/// A buffer this full is written out without waiting for [`FLUSH_EVERY`].
const FLUSH_AT: usize = 64 * 1024;
/// Loggers wait while this much is waiting to be written.
const MAX_BUFFERED: usize = 4 * 1024 * 1024;

#[derive(Default)]
struct Shared {
    state: Mutex<State>,
    /// Signals the writer thread (buffer full, or stop).
    to_writer: Condvar,
    /// Signals waiting loggers (buffer written out).
    to_loggers: Condvar,
}

#[derive(Default)]
struct State {
    buffer: Vec<u8>,
    stop: bool,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Lets `write` append to the buffer, once there is room; after the stop (the writer thread
    /// is gone, the process is ending) what it writes goes straight to stderr.
    fn append(&self, write: impl FnOnce(&mut Vec<u8>)) {
        let mut state = self.lock();
        while state.buffer.len() >= MAX_BUFFERED && !state.stop {
            state = self.to_loggers.wait(state).unwrap_or_else(|poisoned| poisoned.into_inner());
        }
        if state.stop {
            drop(state);
            let mut line = Vec::new();
            write(&mut line);
            let _ = std::io::stderr().write_all(&line);
            return;
        }
        write(&mut state.buffer);
        if state.buffer.len() >= FLUSH_AT {
            self.to_writer.notify_one();
        }
    }
}

/// Where log lines go: `tracing_subscriber`'s writer.
pub struct Batched(Arc<Shared>);

/// One line being logged.
pub struct Line<'a>(&'a Shared);

/// Stops the writer thread and writes the last lines out when dropped.
#[must_use = "dropping the guard stops the log writer"]
pub struct WriterGuard {
    shared: Arc<Shared>,
    thread: Option<JoinHandle<()>>,
}

/// Starts the writer thread, writing to `sink` (stderr).
pub fn batched(sink: impl Write + Send + 'static) -> (Batched, WriterGuard) {
    let shared = Arc::new(Shared::default());
    let writer = shared.clone();
    let thread =
        std::thread::Builder::new().name("log-writer".into()).spawn(move || write_out(&writer, sink)).expect("start the log writer thread");
    (Batched(shared.clone()), WriterGuard { shared, thread: Some(thread) })
}

fn write_out(shared: &Shared, mut sink: impl Write) {
    let mut writing = Vec::new();
    loop {
        let mut state = shared.lock();
        if state.buffer.len() < FLUSH_AT && !state.stop {
            state = shared.to_writer.wait_timeout(state, FLUSH_EVERY).unwrap_or_else(|poisoned| poisoned.into_inner()).0;
        }
        std::mem::swap(&mut state.buffer, &mut writing);
        let stop = state.stop;
        drop(state);
        shared.to_loggers.notify_all();
        if !writing.is_empty() {
            // Nowhere to report a failing stderr: the lines are gone either way.
            let _ = sink.write_all(&writing).and_then(|()| sink.flush());
            writing.clear();
        }
        if stop {
            return;
        }
    }
}

impl Write for Line<'_> {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.append(|buffer| buffer.extend_from_slice(bytes));
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for Batched {
    type Writer = Line<'a>;

    fn make_writer(&'a self) -> Self::Writer {
        Line(&self.0)
    }
}

impl Drop for WriterGuard {
    fn drop(&mut self) {
        self.shared.lock().stop = true;
        self.shared.to_writer.notify_one();
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// Where [`access`] writes, once [`Batched::take_access_log`] was called.
static ACCESS: OnceLock<(Arc<Shared>, LogFormat)> = OnceLock::new();

/// The `tracing` target of access lines, as if they were logged from the server module.
const ACCESS_TARGET: &str = "tower_frontend::server";

impl Batched {
    /// Makes [`access`] write its lines straight into this writer, formatted by hand as the
    /// `tracing` subscriber would: a third of the cost of a `tracing` event, on every request.
    pub fn take_access_log(&self, format: LogFormat) {
        let _ = ACCESS.set((self.0.clone(), format));
    }
}

/// Logs a request (level INFO, subject to the configured filter).
pub fn access(method: &Method, path: &str, status: u16, elapsed_ms: u64) {
    let Some((shared, format)) = ACCESS.get() else {
        tracing::info!(target: ACCESS_TARGET, %method, path, status, elapsed_ms, "request");
        return;
    };
    if tracing::enabled!(target: ACCESS_TARGET, Level::INFO) {
        let now = SystemTime::now();
        shared.append(|buffer| access_line(buffer, *format, now, method, path, status, elapsed_ms));
    }
}

/// Appends an access line as `tracing_subscriber`'s plain or JSON formatter writes it. Built by
/// pushing pieces and digits rather than through `format!`: this runs on every request.
fn access_line(line: &mut Vec<u8>, format: LogFormat, now: SystemTime, method: &Method, path: &str, status: u16, elapsed_ms: u64) {
    let now = now.duration_since(UNIX_EPOCH).unwrap_or_default();
    let (days, secs) = (now.as_secs() / 86_400, now.as_secs() % 86_400);
    let (year, month, day) = civil_date(days);
    let timestamp = |line: &mut Vec<u8>| {
        for (value, width, then) in
            [(year, 4, b'-'), (month, 2, b'-'), (day, 2, b'T'), (secs / 3600, 2, b':'), (secs / 60 % 60, 2, b':'), (secs % 60, 2, b'.')]
        {
            push_digits(line, value, width);
            line.push(then);
        }
        push_digits(line, u64::from(now.subsec_micros()), 6);
        line.push(b'Z');
    };
    match format {
        LogFormat::Plain => {
            timestamp(line);
            line.extend_from_slice(b"  INFO ");
            line.extend_from_slice(ACCESS_TARGET.as_bytes());
            line.extend_from_slice(b": request method=");
            line.extend_from_slice(method.as_str().as_bytes());
            line.extend_from_slice(b" path=");
            if path.bytes().all(|b| b.is_ascii_graphic() && b != b'"' && b != b'\\') {
                line.push(b'"');
                line.extend_from_slice(path.as_bytes());
                line.push(b'"');
            } else {
                let _ = write!(line, "{path:?}");
            }
            line.extend_from_slice(b" status=");
            push_digits(line, u64::from(status), 1);
            line.extend_from_slice(b" elapsed_ms=");
            push_digits(line, elapsed_ms, 1);
        }
        LogFormat::Json => {
            line.extend_from_slice(br#"{"timestamp":""#);
            timestamp(line);
            line.extend_from_slice(br#"","level":"INFO","fields":{"message":"request","method":""#);
            line.extend_from_slice(method.as_str().as_bytes());
            line.extend_from_slice(br#"","path":"#);
            let _ = write!(line, "{}", serde_json::Value::from(path));
            line.extend_from_slice(br#","status":"#);
            push_digits(line, u64::from(status), 1);
            line.extend_from_slice(br#","elapsed_ms":"#);
            push_digits(line, elapsed_ms, 1);
            line.extend_from_slice(br#"},"target":""#);
            line.extend_from_slice(ACCESS_TARGET.as_bytes());
            line.extend_from_slice(br#""}"#);
        }
    }
    line.push(b'\n');
}

/// Appends `value` in decimal, padded with zeros to at least `width` digits.
fn push_digits(line: &mut Vec<u8>, mut value: u64, width: usize) {
    let mut digits = [b'0'; 20];
    let mut start = digits.len();
    while value > 0 || start > digits.len() - width {
        start -= 1;
        digits[start] = b'0' + (value % 10) as u8;
        value /= 10;
    }
    line.extend_from_slice(&digits[start..]);
}

/// Year, month and day of the `days`th day after 1970-01-01 (H. Hinnant's `civil_from_days`).
fn civil_date(days: u64) -> (u64, u64, u64) {
    let z = days + 719_468;
    let (era, doe) = (z / 146_097, z % 146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    (yoe + era * 400 + u64::from(month <= 2), month, day)
}

#[cfg(test)]
mod tests {
    use super::*;
    use tracing_subscriber::fmt::MakeWriter;

    /// A sink the test can read.
    #[derive(Clone, Default)]
    struct Collected(Arc<Mutex<Vec<u8>>>);

    impl Write for Collected {
        fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(bytes);
            Ok(bytes.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn every_line_is_written_whole_and_in_order() {
        let sink = Collected::default();
        let (writer, guard) = batched(sink.clone());
        let writer = Arc::new(writer);
        let threads: Vec<_> = (0..4)
            .map(|t| {
                let writer = writer.clone();
                std::thread::spawn(move || {
                    for i in 0..20_000 {
                        writer.make_writer().write_all(format!("thread {t} line {i}\n").as_bytes()).unwrap();
                    }
                })
            })
            .collect();
        for thread in threads {
            thread.join().unwrap();
        }
        // Some lines are out before the stop (over FLUSH_AT), the rest when the guard goes.
        std::thread::sleep(FLUSH_EVERY * 2);
        assert!(!sink.0.lock().unwrap().is_empty(), "written without waiting for the stop");
        drop(guard);
        let text = String::from_utf8(sink.0.lock().unwrap().clone()).unwrap();
        let mut next = [0; 4];
        for line in text.lines() {
            let (t, i) = line.strip_prefix("thread ").unwrap().split_once(" line ").unwrap();
            let (t, i): (usize, usize) = (t.parse().unwrap(), i.parse().unwrap());
            assert_eq!(i, next[t], "thread {t}");
            next[t] += 1;
        }
        assert_eq!(next, [20_000; 4]);
    }

    fn access_line_text(format: LogFormat, now: SystemTime, method: &Method, path: &str, status: u16, elapsed_ms: u64) -> String {
        let mut line = Vec::new();
        access_line(&mut line, format, now, method, path, status, elapsed_ms);
        String::from_utf8(line).unwrap()
    }

    #[test]
    fn access_lines_read_as_the_subscriber_writes_them() {
        let at = UNIX_EPOCH + Duration::from_micros(1_796_174_711_653_837); // 2026-12-02T01:25:11.653837Z
        let plain = access_line_text(LogFormat::Plain, at, &Method::GET, "/api/x \"y\"", 200, 3);
        assert_eq!(
            plain,
            "2026-12-02T01:25:11.653837Z  INFO tower_frontend::server: request method=GET path=\"/api/x \\\"y\\\"\" status=200 elapsed_ms=3\n"
        );
        let plain = access_line_text(LogFormat::Plain, at, &Method::GET, "/api/service-info?a=1", 200, 0);
        assert_eq!(plain, "2026-12-02T01:25:11.653837Z  INFO tower_frontend::server: request method=GET path=\"/api/service-info?a=1\" status=200 elapsed_ms=0\n");
        let json: serde_json::Value =
            serde_json::from_str(&access_line_text(LogFormat::Json, at, &Method::POST, "/a\"b", 502, 12)).unwrap();
        assert_eq!(
            json,
            serde_json::json!({
                "timestamp": "2026-12-02T01:25:11.653837Z",
                "level": "INFO",
                "fields": {"message": "request", "method": "POST", "path": "/a\"b", "status": 502, "elapsed_ms": 12},
                "target": "tower_frontend::server",
            })
        );
    }

    #[test]
    fn digits_are_padded() {
        let mut line = Vec::new();
        for (value, width) in [(0, 1), (7, 2), (123, 2), (45, 6), (u64::MAX, 1)] {
            push_digits(&mut line, value, width);
            line.push(b' ');
        }
        assert_eq!(String::from_utf8(line).unwrap(), format!("0 07 123 000045 {} ", u64::MAX));
    }

    #[test]
    fn dates_from_day_numbers() {
        assert_eq!(civil_date(0), (1970, 1, 1));
        assert_eq!(civil_date(11_016), (2000, 2, 29));
        assert_eq!(civil_date(11_017), (2000, 3, 1));
        assert_eq!(civil_date(20_789), (2026, 12, 2));
        assert_eq!(civil_date(20_818), (2026, 12, 31));
        assert_eq!(civil_date(20_819), (2027, 1, 1));
    }
}
