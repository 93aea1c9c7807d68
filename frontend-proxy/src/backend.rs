//! The proxy's HTTP/1.1 client: one kept-alive connection to the backend per client connection.
//!
//! HTTP/1.1 serves one request at a time on a connection, so a client connection and its
//! backend connection are used in step, and the request's own task can do the backend I/O: it
//! writes the request, reads the response head, and the response body reads the rest as the
//! server writes it out. No pool, no dispatcher task, no channel between them (hyper's client
//! connection needs all three; they were a quarter of the proxy's user time per request).
//!
//! What the client does, by RFC 9112:
//! - the request head is written as the proxy rewrote it; its body is streamed with its
//!   `Content-Length`, or chunked when the client sent it chunked;
//! - interim (1xx) responses are skipped; the response body is framed by `Transfer-Encoding:
//!   chunked` (decoded here, the server encodes again as it sees fit), by `Content-Length`, or
//!   by the end of the connection; `HEAD`, 204 and 304 responses have none;
//! - the connection is kept for the next request when the response was HTTP/1.1 without
//!   `Connection: close` and was read to its end; a kept connection the backend closed meanwhile
//!   is replaced before use, and a request without a body and with a safe method is sent again on
//!   a new connection when the kept one closes before answering (as nginx does);
//! - when the backend answers an upload before reading all of it and closes (a 401, a 413), that
//!   answer is passed on rather than the failed write's 502.

use std::future::Future;
use std::io;
use std::mem::MaybeUninit;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use bytes::{Buf, Bytes, BytesMut};
use http_body_util::BodyExt;
use hyper::body::{Body as _, Frame, Incoming, SizeHint};
use hyper::header::{self, HeaderMap, HeaderName, HeaderValue};
use hyper::http::request::Parts;
use hyper::{Method, Response, StatusCode, Version};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::respond::{empty, full, Body, BoxError};

/// Largest response head accepted from the backend.
const MAX_HEAD_BYTES: usize = 64 * 1024;
/// Most header fields accepted in a response.
const MAX_HEADERS: usize = 100;
/// Longest line in the framing of a chunked body: a chunk size with its extensions, a trailer field.
const MAX_LINE: usize = 8 * 1024;
/// How much room a read asks for.
const READ_SIZE: usize = 16 * 1024;
/// Most interim (1xx) responses accepted before the final one.
const MAX_INTERIM: usize = 8;
/// A kept connection idle this long is not used again: the backend may be closing it.
pub const MAX_IDLE: Duration = Duration::from_secs(30);
/// Nor is one this old, so that connections spread over backend replicas added since.
pub const MAX_AGE: Duration = Duration::from_secs(300);

/// The backend connection of one client connection, idle between requests.
#[derive(Default)]
pub struct BackendConnection {
    idle: Mutex<Option<Connection>>,
}

/// An open connection and what was read from it but not used yet.
struct Connection {
    stream: TcpStream,
    read: BytesMut,
    opened: Instant,
    /// Since when it waits in its slot for the next request.
    idle_since: Instant,
    /// How long the backend may take to send a response head.
    head_timeout: Duration,
}

/// Why an exchange with the backend failed.
#[derive(Debug, thiserror::Error)]
pub enum ExchangeError {
    #[error("{0}")]
    Io(#[from] io::Error),
    #[error("the request body could not be read: {0}")]
    RequestBody(hyper::Error),
    #[error("invalid response from the backend: {0}")]
    Invalid(&'static str),
    #[error("the backend closed the connection before answering")]
    ClosedBeforeAnswer,
    #[error("no response header from the backend within {0:?}")]
    Timeout(Duration),
}

impl BackendConnection {
    /// The kept connection, unless the backend has closed it (or sent something unasked)
    /// meanwhile, or it is past [`MAX_IDLE`] or [`MAX_AGE`].
    fn take_open(&self) -> Option<Connection> {
        let connection = self.idle.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).take()?;
        if connection.idle_since.elapsed() > MAX_IDLE || connection.opened.elapsed() > MAX_AGE {
            return None;
        }
        // No system call unless the socket was reported readable since its last read: a read that
        // emptied it (the end of the last response) cleared that.
        let mut probe = [0u8; 1];
        match connection.stream.try_read(&mut probe) {
            Err(err) if err.kind() == io::ErrorKind::WouldBlock => Some(connection),
            _ => None,
        }
    }

    fn keep(&self, mut connection: Connection) {
        connection.idle_since = Instant::now();
        *self.idle.lock().unwrap_or_else(|poisoned| poisoned.into_inner()) = Some(connection);
    }
}

/// Sends a request (its target already the backend's, its headers already rewritten) on the
/// client connection's backend connection, connecting with `connect` when there is none or the
/// request is not idempotent (a kept connection may be closing, and such a request cannot be
/// sent again), and returns the response head, which must come within `head_timeout`, with its
/// body streaming from the backend.
pub async fn send<C, F>(
    slot: &Arc<BackendConnection>,
    parts: &Parts,
    body: Incoming,
    head_timeout: Duration,
    connect: C,
) -> Result<Response<Body>, SendError>
where
    C: Fn() -> F,
    F: Future<Output = io::Result<TcpStream>>,
{
    let length = body.size_hint().exact();
    let head = request_head(parts, length);
    let head_request = parts.method == Method::HEAD;
    let connect = || async { connect().await.map(|stream| Connection::new(stream, head_timeout)).map_err(SendError::Connect) };
    let kept = if parts.method.is_idempotent() { slot.take_open() } else { None };
    let (mut connection, reused) = match kept {
        Some(connection) => (connection, true),
        None => (connect().await?, false),
    };
    if length != Some(0) {
        let (response, framing, keep_alive) = match connection.write_with_body(head, body, length.is_none()).await {
            Ok(()) => connection.read_head(head_request).await,
            // The backend may answer before it has read the whole body (a 401, a 413) and close
            // the connection: its answer, when it gave one, says more than the failed write.
            Err(ExchangeError::Io(err)) => match connection.read_head(head_request).await {
                Ok((response, framing, _)) => Ok((response, framing, false)),
                Err(_) => Err(ExchangeError::Io(err)),
            },
            Err(err) => Err(err),
        }
        .map_err(SendError::Exchange)?;
        return Ok(response_with_body(response, framing, keep_alive, connection, slot));
    }
    let mut result = connection.exchange(&head, head_request).await;
    if reused && matches!(result, Err(ExchangeError::ClosedBeforeAnswer | ExchangeError::Io(_))) && parts.method.is_safe() {
        // The kept connection closed as the request went out; a safe request can be repeated.
        connection = connect().await?;
        result = connection.exchange(&head, head_request).await;
    }
    let (response, framing, keep_alive) = result.map_err(SendError::Exchange)?;
    Ok(response_with_body(response, framing, keep_alive, connection, slot))
}

/// Why [`send`] gave no response.
#[derive(Debug)]
pub enum SendError {
    Connect(io::Error),
    Exchange(ExchangeError),
}

/// How the response body is delimited.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Framing {
    Length(u64),
    Chunked,
    UntilClose,
}

/// The request line and header fields, with the body's framing.
fn request_head(parts: &Parts, length: Option<u64>) -> Vec<u8> {
    let target = parts.uri.path_and_query().map_or("/", |pq| pq.as_str());
    let mut head = Vec::with_capacity(256 + parts.headers.len() * 32);
    head.extend_from_slice(parts.method.as_str().as_bytes());
    head.push(b' ');
    head.extend_from_slice(target.as_bytes());
    head.extend_from_slice(b" HTTP/1.1\r\n");
    for (name, value) in &parts.headers {
        if name == header::CONTENT_LENGTH || name == header::TRANSFER_ENCODING {
            continue;
        }
        head.extend_from_slice(name.as_str().as_bytes());
        head.extend_from_slice(b": ");
        head.extend_from_slice(value.as_bytes());
        head.extend_from_slice(b"\r\n");
    }
    match length {
        Some(0) if !parts.headers.contains_key(header::CONTENT_LENGTH) => {}
        Some(length) => {
            head.extend_from_slice(b"content-length: ");
            head.extend_from_slice(length.to_string().as_bytes());
            head.extend_from_slice(b"\r\n");
        }
        None => head.extend_from_slice(b"transfer-encoding: chunked\r\n"),
    }
    head.extend_from_slice(b"\r\n");
    head
}

impl Connection {
    fn new(stream: TcpStream, head_timeout: Duration) -> Self {
        let now = Instant::now();
        Connection { stream, read: BytesMut::new(), opened: now, idle_since: now, head_timeout }
    }

    /// Sends a request without a body and reads the response head.
    async fn exchange(&mut self, head: &[u8], head_request: bool) -> Result<(Response<()>, Framing, bool), ExchangeError> {
        self.stream.write_all(head).await?;
        self.read_head(head_request).await
    }

    /// Writes the head and streams the body after it; the head goes out with the body's first
    /// bytes, in one write for a small body.
    async fn write_with_body(&mut self, mut pending: Vec<u8>, mut body: Incoming, chunked: bool) -> Result<(), ExchangeError> {
        while let Some(frame) = body.frame().await {
            let Ok(data) = frame.map_err(ExchangeError::RequestBody)?.into_data() else {
                continue; // trailers are not forwarded
            };
            if data.is_empty() {
                continue;
            }
            if chunked {
                pending.extend_from_slice(format!("{:x}\r\n", data.len()).as_bytes());
            }
            pending.extend_from_slice(&data);
            if chunked {
                pending.extend_from_slice(b"\r\n");
            }
            self.stream.write_all(&pending).await?;
            pending.clear();
        }
        if chunked {
            pending.extend_from_slice(b"0\r\n\r\n");
        }
        if !pending.is_empty() {
            self.stream.write_all(&pending).await?;
        }
        Ok(())
    }

    /// Reads more from the backend; `Ok(0)` at its end.
    async fn fill(&mut self) -> io::Result<usize> {
        self.read.reserve(READ_SIZE);
        self.stream.read_buf(&mut self.read).await
    }

    /// Reads the response head (skipping interim responses) and works out how its body is
    /// delimited and whether the connection can be kept after it.
    async fn read_head(&mut self, head_request: bool) -> Result<(Response<()>, Framing, bool), ExchangeError> {
        let timeout = self.head_timeout;
        tokio::time::timeout(timeout, async {
            let mut answered = !self.read.is_empty();
            let mut interim = 0;
            loop {
                if !self.read.is_empty() {
                    if let Some(parsed) = parse_head(&mut self.read, head_request, &mut interim)? {
                        return Ok(parsed);
                    }
                    if self.read.len() > MAX_HEAD_BYTES {
                        return Err(ExchangeError::Invalid("response header too large"));
                    }
                }
                if self.fill().await? == 0 {
                    return Err(if answered {
                        ExchangeError::Invalid("connection closed in the response header")
                    } else {
                        ExchangeError::ClosedBeforeAnswer
                    });
                }
                answered = true;
            }
        })
        .await
        .unwrap_or(Err(ExchangeError::Timeout(timeout)))
    }
}

/// Parses a complete final response head from `read`, consuming it and the interim responses
/// before it (counted in `interim`, at most [`MAX_INTERIM`]); `None` while it is incomplete.
fn parse_head(
    read: &mut BytesMut,
    head_request: bool,
    interim: &mut usize,
) -> Result<Option<(Response<()>, Framing, bool)>, ExchangeError> {
    loop {
        // Uninitialized fields: initializing a hundred of them costs more than parsing.
        let mut fields = [const { MaybeUninit::uninit() }; MAX_HEADERS];
        let mut parsed = httparse::Response::new(&mut []);
        let length = match httparse::ParserConfig::default().parse_response_with_uninit_headers(&mut parsed, read, &mut fields) {
            Ok(httparse::Status::Complete(length)) => length,
            Ok(httparse::Status::Partial) => return Ok(None),
            Err(httparse::Error::TooManyHeaders) => return Err(ExchangeError::Invalid("too many header fields")),
            Err(_) => return Err(ExchangeError::Invalid("malformed response header")),
        };
        let code = parsed.code.unwrap_or_default();
        let status = StatusCode::from_u16(code).map_err(|_| ExchangeError::Invalid("bad status code"))?;
        if status == StatusCode::SWITCHING_PROTOCOLS {
            return Err(ExchangeError::Invalid("protocol switch not asked for"));
        }
        if status.is_informational() {
            *interim += 1;
            if *interim > MAX_INTERIM {
                return Err(ExchangeError::Invalid("too many interim responses"));
            }
            read.advance(length);
            if read.is_empty() {
                return Ok(None);
            }
            continue;
        }
        let http11 = parsed.version == Some(1);
        // Values are slices of the head's bytes, which the header map then shares (no copies).
        let base = read.as_ptr() as usize;
        let mut names = Vec::with_capacity(parsed.headers.len());
        for field in parsed.headers.iter() {
            let name = HeaderName::from_bytes(field.name.as_bytes()).map_err(|_| ExchangeError::Invalid("bad header name"))?;
            let start = field.value.as_ptr() as usize - base;
            names.push((name, start, start + field.value.len()));
        }
        let head = read.split_to(length).freeze();
        let mut headers = HeaderMap::with_capacity(names.len());
        for (name, start, end) in names {
            let value = HeaderValue::from_maybe_shared(head.slice(start..end)).map_err(|_| ExchangeError::Invalid("bad header value"))?;
            headers.append(name, value);
        }

        let no_body = head_request || status == StatusCode::NO_CONTENT || status == StatusCode::NOT_MODIFIED;
        let framing = if no_body { Framing::Length(0) } else { body_framing(&mut headers)? };
        let close = headers
            .get_all(header::CONNECTION)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .any(|token| token.trim().eq_ignore_ascii_case("close"));
        let keep_alive = http11 && !close && framing != Framing::UntilClose;

        let mut response = Response::new(());
        *response.status_mut() = status;
        *response.version_mut() = Version::HTTP_11;
        *response.headers_mut() = headers;
        return Ok(Some((response, framing, keep_alive)));
    }
}

/// The body's framing from `Transfer-Encoding` and `Content-Length` (RFC 9112 section 6.3).
fn body_framing(headers: &mut HeaderMap) -> Result<Framing, ExchangeError> {
    if let Some(last) = headers.get_all(header::TRANSFER_ENCODING).iter().next_back() {
        let chunked = last.to_str().ok().and_then(|v| v.rsplit(',').next()).is_some_and(|v| v.trim().eq_ignore_ascii_case("chunked"));
        headers.remove(header::CONTENT_LENGTH);
        return Ok(if chunked { Framing::Chunked } else { Framing::UntilClose });
    }
    let mut lengths = headers.get_all(header::CONTENT_LENGTH).iter();
    let Some(value) = lengths.next() else {
        return Ok(Framing::UntilClose);
    };
    if lengths.next().is_some() {
        return Err(ExchangeError::Invalid("two content-length fields"));
    }
    // Digits only: no sign, no spaces, no list (`parse` alone would take "+12").
    let digits = value.as_bytes();
    if digits.is_empty() || digits.len() > 19 || !digits.iter().all(u8::is_ascii_digit) {
        return Err(ExchangeError::Invalid("bad content-length"));
    }
    let length = std::str::from_utf8(digits).ok().and_then(|d| d.parse().ok()).ok_or(ExchangeError::Invalid("bad content-length"))?;
    Ok(Framing::Length(length))
}

/// The response with its body: in one piece when it has all been read with the head (the usual
/// case for API answers; the connection is then kept at once), streamed otherwise.
fn response_with_body(
    response: Response<()>,
    framing: Framing,
    keep_alive: bool,
    mut connection: Connection,
    slot: &Arc<BackendConnection>,
) -> Response<Body> {
    if let Framing::Length(length) = framing {
        if length <= connection.read.len() as u64 {
            let bytes = connection.read.split_to(length as usize).freeze();
            if keep_alive && connection.read.is_empty() {
                slot.keep(connection);
            }
            return response.map(|()| if bytes.is_empty() { empty() } else { full(bytes) });
        }
    }
    let state = match framing {
        Framing::Length(length) => State::Length(length),
        Framing::Chunked => State::ChunkSize,
        Framing::UntilClose => State::UntilClose,
    };
    let body = StreamedBody { connection: Some(connection), state, keep_alive, slot: slot.clone() };
    response.map(|()| Body::new(body))
}

/// A response body read from the backend as the server asks for it.
struct StreamedBody {
    connection: Option<Connection>,
    state: State,
    keep_alive: bool,
    slot: Arc<BackendConnection>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    Length(u64),
    /// Expecting a chunk-size line.
    ChunkSize,
    /// Inside a chunk, this many bytes left.
    ChunkData(u64),
    /// Expecting the CRLF after a chunk's data.
    ChunkEnd,
    /// Expecting trailer fields (skipped) up to the empty line.
    Trailers,
    UntilClose,
    Done,
}

impl StreamedBody {
    /// The body has been read to its end: keep the connection when it can serve another request.
    fn finish(&mut self) {
        self.state = State::Done;
        if let Some(connection) = self.connection.take() {
            if self.keep_alive && connection.read.is_empty() {
                self.slot.keep(connection);
            }
        }
    }
}

/// What the decoder can do with the bytes read so far.
enum Step {
    Data(Bytes),
    NeedMore,
    Continue,
    End,
}

impl hyper::body::Body for StreamedBody {
    type Data = Bytes;
    type Error = BoxError;

    fn poll_frame(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Result<Frame<Bytes>, BoxError>>> {
        let this = &mut *self;
        loop {
            let Some(connection) = this.connection.as_mut() else {
                return Poll::Ready(None);
            };
            match decode(&mut this.state, &mut connection.read) {
                Ok(Step::Data(bytes)) => {
                    if this.state == State::Length(0) {
                        this.finish();
                    }
                    return Poll::Ready(Some(Ok(Frame::data(bytes))));
                }
                Ok(Step::End) => {
                    this.finish();
                    return Poll::Ready(None);
                }
                Ok(Step::Continue) => continue,
                Ok(Step::NeedMore) => {}
                Err(err) => {
                    this.connection = None;
                    return Poll::Ready(Some(Err(err.into())));
                }
            }
            connection.read.reserve(READ_SIZE);
            let read = std::pin::pin!(connection.stream.read_buf(&mut connection.read));
            match read.poll(cx) {
                Poll::Pending => return Poll::Pending,
                Poll::Ready(Ok(0)) if this.state == State::UntilClose => {
                    this.connection = None;
                    this.state = State::Done;
                    return Poll::Ready(None);
                }
                Poll::Ready(Ok(0)) => {
                    this.connection = None;
                    return Poll::Ready(Some(Err(ExchangeError::Invalid("connection closed in the response body").into())));
                }
                Poll::Ready(Ok(_)) => {}
                Poll::Ready(Err(err)) => {
                    this.connection = None;
                    return Poll::Ready(Some(Err(err.into())));
                }
            }
        }
    }

    fn is_end_stream(&self) -> bool {
        self.state == State::Done || self.state == State::Length(0)
    }

    fn size_hint(&self) -> SizeHint {
        match self.state {
            State::Length(length) => SizeHint::with_exact(length),
            State::Done => SizeHint::with_exact(0),
            _ => SizeHint::default(),
        }
    }
}

/// Takes what `state` allows from `read`: body bytes, or framing (chunk sizes, line ends,
/// trailers) to skip.
fn decode(state: &mut State, read: &mut BytesMut) -> Result<Step, ExchangeError> {
    Ok(match *state {
        State::Done => Step::End,
        State::Length(0) => Step::End,
        State::Length(_) | State::ChunkData(_) if read.is_empty() => Step::NeedMore,
        State::Length(left) => {
            let take = left.min(read.len() as u64);
            *state = State::Length(left - take);
            Step::Data(read.split_to(take as usize).freeze())
        }
        State::ChunkData(left) => {
            let take = left.min(read.len() as u64);
            *state = if left == take { State::ChunkEnd } else { State::ChunkData(left - take) };
            Step::Data(read.split_to(take as usize).freeze())
        }
        State::UntilClose if read.is_empty() => Step::NeedMore,
        State::UntilClose => Step::Data(read.split().freeze()),
        State::ChunkSize => match line(read, MAX_LINE)? {
            None => Step::NeedMore,
            Some(line) => {
                let size = chunk_size(&line).ok_or(ExchangeError::Invalid("bad chunk size"))?;
                *state = if size == 0 { State::Trailers } else { State::ChunkData(size) };
                Step::Continue
            }
        },
        State::ChunkEnd => match line(read, 2)? {
            None => Step::NeedMore,
            Some(line) if line.is_empty() => {
                *state = State::ChunkSize;
                Step::Continue
            }
            Some(_) => return Err(ExchangeError::Invalid("chunk longer than its size")),
        },
        State::Trailers => match line(read, MAX_LINE)? {
            None => Step::NeedMore,
            Some(line) if line.is_empty() => {
                *state = State::Done;
                Step::End
            }
            Some(_) => Step::Continue,
        },
    })
}

/// The size of a chunk-size line (RFC 9112 section 7.1): 1 to 16 hex digits, then nothing or a
/// chunk extension (`;`, after optional spaces or tabs). No sign, no leading space.
fn chunk_size(line: &[u8]) -> Option<u64> {
    let digits = line.iter().take_while(|b| b.is_ascii_hexdigit()).count();
    let rest = &line[digits..];
    if digits == 0 || digits > 16 || !(rest.is_empty() || rest.trim_ascii_start().first() == Some(&b';')) {
        return None;
    }
    // Only hex digits, at most 16 of them: always a u64.
    u64::from_str_radix(std::str::from_utf8(&line[..digits]).ok()?, 16).ok()
}

/// Takes one CRLF-ended line (without the CRLF) from `read`; `None` while it is incomplete.
fn line(read: &mut BytesMut, max: usize) -> Result<Option<BytesMut>, ExchangeError> {
    match read.windows(2).position(|pair| pair == b"\r\n") {
        Some(end) if end <= max => {
            let line = read.split_to(end);
            read.advance(2);
            Ok(Some(line))
        }
        Some(_) => Err(ExchangeError::Invalid("line too long in a chunked body")),
        None if read.len() > max + 1 => Err(ExchangeError::Invalid("line too long in a chunked body")),
        None => Ok(None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Decodes `input` fed one byte at a time (every split point), returning the body.
    fn decode_bytewise(mut state: State, input: &[u8]) -> Result<(Vec<u8>, State), ExchangeError> {
        let (mut read, mut body) = (BytesMut::new(), Vec::new());
        let mut input = input.iter();
        loop {
            match decode(&mut state, &mut read)? {
                Step::Data(bytes) => body.extend_from_slice(&bytes),
                Step::Continue => {}
                Step::End => return Ok((body, state)),
                Step::NeedMore => match input.next() {
                    Some(&byte) => read.extend_from_slice(&[byte]),
                    None => return Ok((body, state)),
                },
            }
        }
    }

    #[test]
    fn chunked_bodies_decode_whatever_the_reads() {
        let input = b"5;name=value\r\nhello\r\n7\r\n, world\r\nA\r\n0123456789\r\n0\r\nX-Checksum: 1\r\nX-More: 2\r\n\r\n";
        let (body, state) = decode_bytewise(State::ChunkSize, input).unwrap();
        assert_eq!(body, b"hello, world0123456789");
        assert_eq!(state, State::Done);
    }

    #[test]
    fn bad_chunked_framing_is_an_error() {
        for input in [&b"zz\r\nhello\r\n"[..], b"5\r\nhello!!\r\n", b"\r\n", b"11111111111111111\r\n"] {
            assert!(decode_bytewise(State::ChunkSize, input).is_err(), "{}", String::from_utf8_lossy(input));
        }
        let long = vec![b'1'; MAX_LINE + 2];
        assert!(decode_bytewise(State::ChunkSize, &long).is_err());
    }

    #[test]
    fn length_bodies_stop_at_their_length() {
        let mut state = State::Length(5);
        let mut read = BytesMut::from(&b"helloHTTP/1.1"[..]);
        match decode(&mut state, &mut read).unwrap() {
            Step::Data(bytes) => assert_eq!(&bytes[..], b"hello"),
            _ => panic!("expected data"),
        }
        assert_eq!(state, State::Length(0));
        assert!(matches!(decode(&mut state, &mut read).unwrap(), Step::End));
        assert_eq!(&read[..], b"HTTP/1.1", "what follows is left for the next response");
    }

    #[test]
    fn framing_from_the_headers() {
        let framing = |fields: &[(&str, &str)]| {
            let mut headers = HeaderMap::new();
            for (name, value) in fields {
                headers.append(HeaderName::from_bytes(name.as_bytes()).unwrap(), HeaderValue::from_str(value).unwrap());
            }
            body_framing(&mut headers).map(|framing| (framing, headers.contains_key(header::CONTENT_LENGTH)))
        };
        assert_eq!(framing(&[("content-length", "12")]).unwrap(), (Framing::Length(12), true));
        // Digits only, and one field: two (even equal), a sign, spaces or a list are refused.
        for bad in [
            &[("content-length", "12"), ("content-length", "12")][..],
            &[("content-length", "+12")],
            &[("content-length", "1 2")],
            &[("content-length", "12, 12")],
            &[("content-length", "0x1")],
            &[("content-length", "99999999999999999999")],
        ] {
            assert!(framing(bad).is_err(), "{bad:?}");
        }
        assert_eq!(framing(&[]).unwrap(), (Framing::UntilClose, false));
        // Transfer-Encoding wins over Content-Length, which is then dropped.
        assert_eq!(framing(&[("transfer-encoding", "gzip, chunked"), ("content-length", "3")]).unwrap(), (Framing::Chunked, false));
        assert_eq!(framing(&[("transfer-encoding", "gzip")]).unwrap(), (Framing::UntilClose, false));
        assert!(framing(&[("content-length", "12"), ("content-length", "13")]).is_err());
        assert!(framing(&[("content-length", "-1")]).is_err());
    }

    mod properties {
        use super::super::*;
        use super::decode_bytewise;
        use proptest::collection::vec;
        use proptest::prelude::*;

        /// Encodes `body` chunked, cut where `cuts` says, with an extension on each chunk or not.
        fn chunked(body: &[u8], cuts: &[usize], extensions: bool) -> Vec<u8> {
            let mut out = Vec::new();
            let mut rest = body;
            for &cut in cuts.iter().cycle().take(body.len()) {
                if rest.is_empty() {
                    break;
                }
                let (chunk, after) = rest.split_at(cut.min(rest.len()));
                out.extend_from_slice(format!("{:X}{}\r\n", chunk.len(), if extensions { " ;a=\"b\"" } else { "" }).as_bytes());
                out.extend_from_slice(chunk);
                out.extend_from_slice(b"\r\n");
                rest = after;
            }
            if !rest.is_empty() {
                out.extend_from_slice(format!("{:x}\r\n", rest.len()).as_bytes());
                out.extend_from_slice(rest);
                out.extend_from_slice(b"\r\n");
            }
            out.extend_from_slice(b"0\r\nX-Trailer: t\r\n\r\n");
            out
        }

        proptest! {
            /// Any body, cut into any chunks, read a byte at a time, decodes to itself.
            #[test]
            fn chunked_bodies_round_trip(body in vec(any::<u8>(), 0..600), cuts in vec(1usize..200, 1..8), extensions in any::<bool>()) {
                let (decoded, state) = decode_bytewise(State::ChunkSize, &chunked(&body, &cuts, extensions)).unwrap();
                prop_assert_eq!(decoded, body);
                prop_assert_eq!(state, State::Done);
            }

            /// Whatever the backend sends, the decoder does not panic and gives no more than it got.
            #[test]
            fn the_chunked_decoder_takes_any_input(input in vec(any::<u8>(), 0..400)) {
                if let Ok((decoded, _)) = decode_bytewise(State::ChunkSize, &input) {
                    prop_assert!(decoded.len() <= input.len());
                }
            }

            /// Chunk sizes are hex digits, then nothing or an extension; a sign, a space or a
            /// `0x` before them, or anything but `;` after them, is refused.
            #[test]
            fn chunk_sizes_are_hex_digits_only(size in any::<u64>(), extension in "[ \t]{0,2};[a-z=]{0,6}", junk in "[+\\- \tx,gG]") {
                let hex = format!("{size:x}");
                prop_assert_eq!(chunk_size(hex.as_bytes()), Some(size));
                prop_assert_eq!(chunk_size(format!("{hex}{extension}").as_bytes()), Some(size));
                prop_assert_eq!(chunk_size(format!("{junk}{hex}").as_bytes()), None);
                prop_assert_eq!(chunk_size(format!("{hex}{junk}").as_bytes()), None);
            }

            /// Any bytes as a response head: a head, a wait for more, or an error; never a panic.
            #[test]
            fn the_head_parser_takes_any_input(input in vec(any::<u8>(), 0..600)) {
                let mut read = BytesMut::from(&input[..]);
                let _ = parse_head(&mut read, false, &mut 0);
            }

            /// A valid head, however it is split across reads, parses to its status, fields and
            /// length once complete, and leaves the body's first bytes in the buffer.
            #[test]
            fn heads_parse_whatever_the_reads(
                status in 200u16..600,
                fields in vec(("[a-z][a-z0-9-]{0,12}", "[!-~]([ !-~]{0,20}[!-~])?"), 0..8),
                length in 0u64..1_000_000,
                split in 1usize..64,
            ) {
                let fields: Vec<_> = fields.into_iter().filter(|(n, _)| !matches!(n.as_str(), "content-length" | "transfer-encoding" | "connection")).collect();
                let mut head = format!("HTTP/1.1 {status} X\r\n");
                for (name, value) in &fields {
                    head.push_str(&format!("{name}: {value}\r\n"));
                }
                head.push_str(&format!("content-length: {length}\r\n\r\n"));
                let end = head.len();
                head.push_str("body");
                let (mut read, mut parsed, mut fed) = (BytesMut::new(), None, 0);
                for piece in head.as_bytes().chunks(split) {
                    read.extend_from_slice(piece);
                    fed += piece.len();
                    if parsed.is_none() {
                        parsed = parse_head(&mut read, false, &mut 0).unwrap();
                        prop_assert_eq!(parsed.is_some(), fed >= end, "complete exactly when the head is");
                    }
                }
                let (response, framing, keep_alive) = parsed.expect("a complete head");
                let no_body = status == 204 || status == 304;
                prop_assert_eq!(response.status().as_u16(), status);
                prop_assert_eq!(framing, Framing::Length(if no_body { 0 } else { length }));
                prop_assert!(keep_alive);
                for (name, value) in &fields {
                    prop_assert!(response.headers().get_all(name.as_str()).iter().any(|v| v.as_bytes() == value.as_bytes()));
                }
                prop_assert_eq!(&read[..], b"body");
            }
        }
    }

    #[test]
    fn request_heads_say_how_the_body_is_framed() {
        let head = |method: Method, length: Option<u64>, content_length: Option<&str>| {
            let mut request =
                hyper::Request::builder().method(method).uri("/trace/x/progress?workspaceId=1").header("host", "backend:8080");
            if let Some(value) = content_length {
                request = request.header("content-length", value);
            }
            let (parts, ()) = request.body(()).unwrap().into_parts();
            String::from_utf8(request_head(&parts, length)).unwrap()
        };
        assert_eq!(head(Method::GET, Some(0), None), "GET /trace/x/progress?workspaceId=1 HTTP/1.1\r\nhost: backend:8080\r\n\r\n");
        assert_eq!(
            head(Method::POST, Some(0), Some("0")),
            "POST /trace/x/progress?workspaceId=1 HTTP/1.1\r\nhost: backend:8080\r\ncontent-length: 0\r\n\r\n"
        );
        assert!(head(Method::POST, Some(42), Some("42")).ends_with("\r\ncontent-length: 42\r\n\r\n"));
        assert!(head(Method::POST, None, None).ends_with("\r\ntransfer-encoding: chunked\r\n\r\n"));
    }
}
