//! A connection's socket, watched for write progress: a client that asks
//! for answers and never reads them leaves our writes pending for ever,
//! and the connection task drops such a connection (see
//! [`super::ConnLimits::write_timeout`]).

use std::io;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

/// Since when a write has been waiting for the peer to read.
pub(super) struct WriteProgress {
    began: Instant,
    /// Milliseconds after `began` that a write first found the socket
    /// full and nothing has been written since; 0: no write is waiting.
    stalled_since_ms: AtomicU64,
}

impl WriteProgress {
    pub(super) fn new() -> Self {
        WriteProgress {
            began: Instant::now(),
            stalled_since_ms: AtomicU64::new(0),
        }
    }

    /// How long a write has waited without a byte written; `None` when no
    /// write waits.
    pub(super) fn stalled_for(&self) -> Option<Duration> {
        let since = self.stalled_since_ms.load(Ordering::SeqCst);
        (since > 0).then(|| {
            self.began
                .elapsed()
                .saturating_sub(Duration::from_millis(since))
        })
    }

    /// Notes the outcome of a write (or flush) attempt.
    fn saw<T>(&self, poll: &Poll<io::Result<T>>, wrote: impl FnOnce(&T) -> bool) {
        match poll {
            Poll::Pending => {
                let now = u64::try_from(self.began.elapsed().as_millis()).unwrap_or(u64::MAX);
                // Keeps the first moment of a stall.
                let _ = self.stalled_since_ms.compare_exchange(
                    0,
                    now.max(1),
                    Ordering::SeqCst,
                    Ordering::SeqCst,
                );
            }
            Poll::Ready(Ok(value)) if wrote(value) => {
                self.stalled_since_ms.store(0, Ordering::SeqCst);
            }
            Poll::Ready(_) => {}
        }
    }
}

/// `inner` with its writes reported to a [`WriteProgress`].
pub(super) struct Watched<T> {
    inner: T,
    progress: Arc<WriteProgress>,
}

impl<T> Watched<T> {
    pub(super) fn new(inner: T, progress: Arc<WriteProgress>) -> Self {
        Watched { inner, progress }
    }
}

impl<T: AsyncRead + Unpin> AsyncRead for Watched<T> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_read(cx, buf)
    }
}

impl<T: AsyncWrite + Unpin> AsyncWrite for Watched<T> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let poll = Pin::new(&mut self.inner).poll_write(cx, buf);
        self.progress.saw(&poll, |n| *n > 0);
        poll
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let poll = Pin::new(&mut self.inner).poll_write_vectored(cx, bufs);
        self.progress.saw(&poll, |n| *n > 0);
        poll
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let poll = Pin::new(&mut self.inner).poll_flush(cx);
        self.progress.saw(&poll, |()| false);
        poll
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let poll = Pin::new(&mut self.inner).poll_shutdown(cx);
        self.progress.saw(&poll, |()| false);
        poll
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_stall_counts_from_its_first_pending_write_until_a_byte_is_written() {
        let progress = WriteProgress::new();
        assert_eq!(progress.stalled_for(), None);
        progress.saw::<usize>(&Poll::Pending, |n| *n > 0);
        let first = progress.stalled_since_ms.load(Ordering::SeqCst);
        std::thread::sleep(Duration::from_millis(5));
        progress.saw::<usize>(&Poll::Pending, |n| *n > 0);
        assert_eq!(progress.stalled_since_ms.load(Ordering::SeqCst), first);
        assert!(progress.stalled_for().is_some());
        progress.saw(&Poll::Ready(Ok(0usize)), |n| *n > 0);
        assert!(progress.stalled_for().is_some(), "nothing was written");
        progress.saw(&Poll::Ready(Ok(3usize)), |n| *n > 0);
        assert_eq!(progress.stalled_for(), None);
    }
}
