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

/// The backend connection of one client connection, idle between requests.
#[derive(Default)]
pub struct BackendConnection {
    idle: Mutex<Option<Connection>>,
}

/// An open connection and what was read from it but not used yet.
struct Connection {
    stream: TcpStream,
    read: BytesMut,
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
}

impl BackendConnection {
    /// The kept connection, unless the backend has closed it (or sent something unasked) meanwhile.
    fn take_open(&self) -> Option<Connection> {
        let connection = self.idle.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).take()?;
        // No system call unless the socket was reported readable since its last read: a read that
        // emptied it (the end of the last response) cleared that.
        let mut probe = [0u8; 1];
        match connection.stream.try_read(&mut probe) {
            Err(err) if err.kind() == io::ErrorKind::WouldBlock => Some(connection),
            _ => None,
        }
    }

    fn keep(&self, connection: Connection) {
        *self.idle.lock().unwrap_or_else(|poisoned| poisoned.into_inner()) = Some(connection);
    }
}

/// Sends a request (its target already the backend's, its headers already rewritten) on the
/// client connection's backend connection, connecting with `connect` when there is none, and
/// returns the response head with its body streaming from the backend.
pub async fn send<C, F>(slot: &Arc<BackendConnection>, parts: &Parts, body: Incoming, connect: C) -> Result<Response<Body>, SendError>
where
    C: Fn() -> F,
    F: Future<Output = io::Result<TcpStream>>,
{
    let length = body.size_hint().exact();
    let head = request_head(parts, length);
    let head_request = parts.method == Method::HEAD;
    let (mut connection, reused) = match slot.take_open() {
        Some(connection) => (connection, true),
        None => (Connection::new(connect().await.map_err(SendError::Connect)?), false),
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
        connection = Connection::new(connect().await.map_err(SendError::Connect)?);
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
    fn new(stream: TcpStream) -> Self {
        Connection { stream, read: BytesMut::new() }
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
        let mut answered = !self.read.is_empty();
        loop {
            if !self.read.is_empty() {
                if let Some(parsed) = self.parse_head(head_request)? {
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
    }

    /// Parses a complete final response head from the read buffer, consuming it (and any interim
    /// responses before it); `None` while it is incomplete.
    fn parse_head(&mut self, head_request: bool) -> Result<Option<(Response<()>, Framing, bool)>, ExchangeError> {
        // Uninitialized fields: initializing a hundred of them costs more than parsing.
        let mut fields = [const { MaybeUninit::uninit() }; MAX_HEADERS];
        let mut parsed = httparse::Response::new(&mut []);
        let length = match httparse::ParserConfig::default().parse_response_with_uninit_headers(&mut parsed, &self.read, &mut fields) {
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
            self.read.advance(length);
            return if self.read.is_empty() { Ok(None) } else { self.parse_head(head_request) };
        }
        let http11 = parsed.version == Some(1);
        // Values are slices of the head's bytes, which the header map then shares (no copies).
        let base = self.read.as_ptr() as usize;
        let mut names = Vec::with_capacity(parsed.headers.len());
        for field in parsed.headers.iter() {
            let name = HeaderName::from_bytes(field.name.as_bytes()).map_err(|_| ExchangeError::Invalid("bad header name"))?;
            let start = field.value.as_ptr() as usize - base;
            names.push((name, start, start + field.value.len()));
        }
        let head = self.read.split_to(length).freeze();
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
        Ok(Some((response, framing, keep_alive)))
    }
}

/// The body's framing from `Transfer-Encoding` and `Content-Length` (RFC 9112 section 6.3).
fn body_framing(headers: &mut HeaderMap) -> Result<Framing, ExchangeError> {
    if let Some(last) = headers.get_all(header::TRANSFER_ENCODING).iter().next_back() {
        let chunked = last.to_str().ok().and_then(|v| v.rsplit(',').next()).is_some_and(|v| v.trim().eq_ignore_ascii_case("chunked"));
        headers.remove(header::CONTENT_LENGTH);
        return Ok(if chunked { Framing::Chunked } else { Framing::UntilClose });
    }
    let mut length = None;
    for value in headers.get_all(header::CONTENT_LENGTH) {
        let parsed = value.to_str().ok().and_then(|v| v.trim().parse::<u64>().ok()).ok_or(ExchangeError::Invalid("bad content-length"))?;
        if length.is_some_and(|earlier| earlier != parsed) {
            return Err(ExchangeError::Invalid("conflicting content-length"));
        }
        length = Some(parsed);
    }
    Ok(length.map_or(Framing::UntilClose, Framing::Length))
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
                let size = line[..].split(|&b| b == b';').next().unwrap_or_default();
                let size = std::str::from_utf8(size).ok().map(str::trim).filter(|s| !s.is_empty() && s.len() <= 16);
                let size = size.and_then(|s| u64::from_str_radix(s, 16).ok()).ok_or(ExchangeError::Invalid("bad chunk size"))?;
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
        assert_eq!(framing(&[("content-length", "12"), ("content-length", "12")]).unwrap(), (Framing::Length(12), true));
        assert_eq!(framing(&[]).unwrap(), (Framing::UntilClose, false));
        // Transfer-Encoding wins over Content-Length, which is then dropped.
        assert_eq!(framing(&[("transfer-encoding", "gzip, chunked"), ("content-length", "3")]).unwrap(), (Framing::Chunked, false));
        assert_eq!(framing(&[("transfer-encoding", "gzip")]).unwrap(), (Framing::UntilClose, false));
        assert!(framing(&[("content-length", "12"), ("content-length", "13")]).is_err());
        assert!(framing(&[("content-length", "-1")]).is_err());
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
