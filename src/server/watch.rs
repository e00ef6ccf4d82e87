//! `--watch`: reload the fixtures folder when a file in it changes, as
//! `POST /__admin/reload` does: all or nothing, problems logged with their paths and the old
//! state kept, emails, journal and clock untouched.
//!
//! The folder is watched recursively, and its parent too (only for the folder's own entry), so
//! an editor that saves by writing a new file and renaming it over the old one, or a script
//! that replaces the whole folder, is followed: before each reload the folder's watch is set
//! up again on whatever is at the path now. The path is watched as given, not resolved: when
//! it is a link, a swap of the link (`ln -sfn v2 current.tmp && mv -T current.tmp current`) is
//! a change of the folder, and the watch moves to the new target as the reload does.
//!
//! When the folder cannot be watched again (gone, perhaps with its parent, whose watch then
//! died too, so nothing would ever be heard again), a warning says so once, the old state
//! stays, and the watch is tried again every second until it is set, with a line saying so.

use std::future::Future;
use std::path::{Path, PathBuf};
use std::time::Duration;

use notify::event::{AccessKind, AccessMode, ModifyKind};
use notify::{EventKind, RecommendedWatcher, RecursiveMode, Watcher};
use tokio::sync::mpsc;
use tokio::time::Instant;

use crate::error::Error;
use crate::fixtures::is_stray;
use crate::state::{ReloadError, Shared};

/// How long the folder must be quiet before it is reloaded: an editor's save (write, rename,
/// chmod) and a `cp -r` arrive as bursts, and half a save must not be read. Well under the
/// one second within which an edit must be served.
const QUIET: Duration = Duration::from_millis(200);

/// How often a folder that could not be watched is looked for again.
const RETRY: Duration = Duration::from_secs(1);

/// A watch set up at start (so a folder that cannot be watched fails the start), run by
/// [`Watch::run`] on the server's runtime.
pub(crate) struct Watch {
    shared: Shared,
    /// The folder as given, made absolute but with links left alone: what the reload reads.
    dir: PathBuf,
    /// `dir` with links resolved (and its entry in the resolved parent), as of the last
    /// rewatch: FSEvents (macOS) reports resolved paths where inotify reports the watched ones.
    resolved: Vec<PathBuf>,
    /// `dir`'s parent, watched for `dir`'s own entry; `None` only for `/`.
    parent: Option<PathBuf>,
    /// Whether the last rewatch failed: the warning is logged once, not every second.
    missing: bool,
    watcher: RecommendedWatcher,
    /// Filled by notify's own thread; unbounded because the callback cannot wait, and bounded
    /// in practice by the debounce draining it.
    events: mpsc::UnboundedReceiver<notify::Result<notify::Event>>,
}

fn watch_error(dir: &Path, what: impl std::fmt::Display) -> Error {
    Error::watch(format!("cannot watch {}: {what}", dir.display()))
}

impl Watch {
    /// Watches `dir` (the served fixtures folder) for `shared`.
    pub(crate) fn new(shared: Shared, dir: &Path) -> Result<Watch, Error> {
        let dir = absolute(dir).map_err(|e| watch_error(dir, e))?;
        let (tx, events) = mpsc::unbounded_channel();
        let mut watcher = notify::recommended_watcher(move |event| {
            // The receiver is gone only when the server stopped.
            let _ = tx.send(event);
        })
        .map_err(|e| watch_error(&dir, e))?;
        watcher
            .watch(&dir, RecursiveMode::Recursive)
            .map_err(|e| watch_error(&dir, e))?;
        if let Some(parent) = dir.parent() {
            // Without it a replaced folder would go unnoticed; with it, only its own entry
            // counts (see `touches`).
            watcher
                .watch(parent, RecursiveMode::NonRecursive)
                .map_err(|e| watch_error(parent, e))?;
        }
        let resolved = resolved(&dir);
        let parent = dir.parent().map(Path::to_path_buf);
        Ok(Watch {
            shared,
            dir,
            resolved,
            parent,
            missing: false,
            watcher,
            events,
        })
    }

    /// Reloads after each burst of changes until `stop` resolves.
    pub(crate) async fn run(mut self, stop: impl Future<Output = ()>) {
        tokio::pin!(stop);
        // QUIET after the last change to the folder; `None` until one is seen. Only a change
        // moves it: reads and the parent folder's other entries come and go without a delay, or
        // a process reading the fixtures in a loop would hold a reload back forever.
        let mut due: Option<Instant> = None;
        // RETRY after a rewatch that failed; `None` while the folder is watched. A timer, since
        // with the parent's watch gone no event may ever come.
        let mut retry: Option<Instant> = None;
        loop {
            tokio::select! {
                // Stop wins over a pending burst: the server is going away. The deadline comes
                // before the events so that a flood of them cannot starve it.
                biased;
                () = &mut stop => return,
                () = until(earliest(due, retry)) => {
                    due = None;
                    retry = None;
                    if self.rewatch() {
                        self.reload().await;
                    } else {
                        retry = Some(Instant::now() + RETRY);
                    }
                }
                event = self.events.recv() => match event {
                    None => return,
                    Some(Ok(event)) => {
                        if self.touches(&event) {
                            due = Some(Instant::now() + QUIET);
                        }
                    }
                    Some(Err(error)) => {
                        tracing::warn!(dir = %self.dir.display(), %error, "watching the fixtures folder");
                        due = Some(Instant::now() + QUIET);
                    }
                },
            }
        }
    }

    /// Whether `event` is a change to the folder or something in it (not a read: the reload's
    /// own opening of the files must not start another), or the parent itself moved or removed
    /// (then the folder went with it, and its own watch may not say so).
    fn touches(&self, event: &notify::Event) -> bool {
        let read = matches!(
            event.kind,
            EventKind::Access(AccessKind::Open(_) | AccessKind::Read)
                | EventKind::Access(AccessKind::Close(AccessMode::Read | AccessMode::Execute))
        );
        let gone = matches!(
            event.kind,
            EventKind::Remove(_) | EventKind::Modify(ModifyKind::Name(_))
        );
        // A vim swap file or a `.git/` object changes nothing the reload reads (it skips
        // them): without this, an open editor would reload the folder every few seconds.
        let stray = |path: &Path| {
            std::iter::once(&self.dir)
                .chain(&self.resolved)
                .find_map(|dir| path.strip_prefix(dir).ok())
                .is_some_and(|inside| {
                    inside
                        .components()
                        .any(|part| is_stray(&part.as_os_str().to_string_lossy()))
                })
        };
        !read
            && event.paths.iter().any(|path| {
                !stray(path)
                    && (path.starts_with(&self.dir)
                        || self.resolved.iter().any(|dir| path.starts_with(dir))
                        || (gone && self.parent.as_deref() == Some(path)))
            })
    }

    /// Watches whatever is at the folder's path and its parent's now: after a rename, a
    /// replacement or a swapped link the old watch follows the old folder, or nothing, and when
    /// the parent went too its watch died with it. Whether both are watched.
    fn rewatch(&mut self) -> bool {
        let _ = self.watcher.unwatch(&self.dir);
        let mut watched = self.watcher.watch(&self.dir, RecursiveMode::Recursive);
        if let Some(parent) = &self.parent {
            // Even when the folder failed: a parent watched again hears the folder come back
            // sooner than the next retry.
            let _ = self.watcher.unwatch(parent);
            let parent = self.watcher.watch(parent, RecursiveMode::NonRecursive);
            watched = watched.and(parent);
        }
        self.resolved = resolved(&self.dir);
        let dir = self.dir.display();
        match &watched {
            Ok(()) if self.missing => {
                tracing::info!(%dir, "the fixtures folder is watched again");
            }
            Ok(()) => {}
            Err(_) if self.missing => {}
            Err(error) => tracing::warn!(
                %dir,
                %error,
                "the fixtures folder is missing or cannot be watched; the old fixtures stay, and it is looked for every second"
            ),
        }
        self.missing = watched.is_err();
        !self.missing
    }

    /// The same reload as `POST /__admin/reload`, on a blocking thread.
    async fn reload(&self) {
        let shared = self.shared.clone();
        let dir = self.dir.display().to_string();
        match tokio::task::spawn_blocking(move || shared.reload()).await {
            Ok(Ok(())) => tracing::info!(%dir, "fixtures reloaded"),
            Ok(Err(ReloadError::Problems(problems))) => {
                tracing::warn!(%dir, "fixtures not reloaded; the old ones stay ({} problem(s))", problems.len());
                for problem in problems {
                    tracing::warn!(%dir, "fixtures not reloaded: {problem}");
                }
            }
            // A watch is set up only for a fixtures folder; say so rather than stay silent.
            // The watch serves the root, never a session.
            Ok(Err(ReloadError::Embedded | ReloadError::Session)) => {
                tracing::warn!(%dir, "no fixtures folder to reload")
            }
            Err(error) => tracing::warn!(%dir, %error, "the reload stopped before it finished"),
        }
    }
}

/// `dir` made absolute without resolving links (so a link is watched as a link); a path that
/// ends in `..` or `.` has no name to look for in its parent, and is resolved instead.
fn absolute(dir: &Path) -> std::io::Result<PathBuf> {
    let absolute = std::path::absolute(dir)?;
    if absolute.file_name().is_some() {
        Ok(absolute)
    } else {
        absolute.canonicalize()
    }
}

/// The resolved forms of `dir` that differ from it: the folder itself, and its entry in the
/// resolved parent; none while it is missing.
fn resolved(dir: &Path) -> Vec<PathBuf> {
    let mut forms = Vec::new();
    if let Ok(target) = dir.canonicalize() {
        forms.push(target);
    }
    if let (Some(parent), Some(name)) = (dir.parent(), dir.file_name()) {
        if let Ok(parent) = parent.canonicalize() {
            forms.push(parent.join(name));
        }
    }
    forms.retain(|form| form != dir);
    forms.dedup();
    forms
}

/// The sooner of two deadlines.
fn earliest(a: Option<Instant>, b: Option<Instant>) -> Option<Instant> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

/// Resolves at `at`, or never.
async fn until(at: Option<Instant>) {
    match at {
        Some(at) => tokio::time::sleep_until(at).await,
        None => std::future::pending().await,
    }
}

/// Runs `serve` with `watch` beside it, and stops the watch when serving ends.
pub(crate) async fn serving(watch: Option<Watch>, serve: impl Future<Output = ()>) {
    let Some(watch) = watch else {
        return serve.await;
    };
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let task = tokio::spawn(watch.run(async {
        let _ = stop_rx.await;
    }));
    serve.await;
    let _ = stop_tx.send(());
    let _ = task.await;
}
