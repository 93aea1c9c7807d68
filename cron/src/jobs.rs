//! The scheduled jobs: the run watchdog, the mail outbox, cleanup, the re-encryption of stored
//! secrets after a key rotation, and the pre-flight checks of compute environments that no
//! backend finished (it stopped mid-check). Each job runs at once and
//! then every interval from `TOWER_CRON_*`, under a database lock of its own, so two crons (one
//! started by mistake, or a restarted one while the old one lingers) never run the same job at
//! the same moment. Every job is idempotent: running it again, or after a crash, does no harm.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::watch;
use tokio::task::JoinSet;
use tower_backend::config::Config;
use tower_backend::domain::time::now_millis;
use tower_backend::store::{self, Db};

use tower_backend::live::{LiveEvent, LiveEventType, Message};

use tower_backend::domain::credentials::SealedKind;
use tower_backend::domain::crypto::Keyring;

use crate::mailer::Mailer;

/// Mails sent by one run of the mail job at most; the rest go at the next interval.
const MAIL_PER_RUN: usize = 500;
/// Runs the watchdog changes per statement batch.
const WATCHDOG_BATCH: i64 = 500;
/// Stored secrets read per statement while re-encrypting.
const REKEY_BATCH: i64 = 100;
/// The longest wait between two attempts at a failing mail.
const MAX_BACKOFF_MS: i64 = 3_600_000;

/// What the jobs share.
pub struct Context {
    pub db: Db,
    pub config: Arc<Config>,
    /// Who holds locks and leases: unique per process.
    pub owner: String,
    pub mailer: Option<Mailer>,
    /// Where changes are announced to the backends' live viewers.
    pub publisher: tower_backend::live::Publisher,
    /// Turns true on shutdown: a job ends after the piece of work in hand (one mail's SMTP
    /// transaction and its mark), so its lock is released within the grace period.
    pub stop: watch::Receiver<bool>,
    /// The keys of stored secrets: the current one, and the previous one during a rotation.
    pub keyring: Keyring,
}

impl Context {
    /// `publisher`: where changes are announced to the backends' live viewers (the all-in-one
    /// process shares its backend's).
    pub fn new(db: Db, config: Arc<Config>, publisher: tower_backend::live::Publisher) -> anyhow::Result<Context> {
        let mailer = Mailer::from_config(&config)?;
        let host = std::env::var("HOSTNAME").unwrap_or_else(|_| "cron".into());
        let owner =
            format!("{}-{}-{}", host.chars().take(40).collect::<String>(), std::process::id(), tower_backend::domain::ids::random_hex(4));
        let keyring = Keyring::new(config.crypto_secret_key.as_deref(), config.crypto_previous_secret_key.as_deref());
        Ok(Context { db, config, owner, mailer, publisher, stop: watch::channel(false).1, keyring })
    }

    /// The same context, stopping when `stop` turns true.
    pub fn stopping_on(self, stop: watch::Receiver<bool>) -> Context {
        Context { stop, ..self }
    }

    fn stopping(&self) -> bool {
        *self.stop.borrow()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Job {
    Watchdog,
    Mail,
    Cleanup,
    Rekey,
    ComputeEnvs,
    Launches,
    Actions,
}

impl Job {
    pub const ALL: [Job; 7] = [Job::Watchdog, Job::Mail, Job::Cleanup, Job::Rekey, Job::ComputeEnvs, Job::Launches, Job::Actions];

    pub fn name(self) -> &'static str {
        match self {
            Job::Watchdog => "watchdog",
            Job::Mail => "mail",
            Job::Cleanup => "cleanup",
            Job::Rekey => "rekey",
            Job::ComputeEnvs => "compute-envs",
            Job::Launches => "launches",
            Job::Actions => "actions",
        }
    }

    fn interval(self, config: &Config) -> Duration {
        match self {
            Job::Watchdog => config.cron.watchdog_interval,
            Job::Mail => config.cron.mail_interval,
            Job::Cleanup => config.cron.cleanup_interval,
            // Only does something during a key rotation, and then should finish soon.
            Job::Rekey | Job::ComputeEnvs => config.cron.watchdog_interval,
            // Launched runs should not wait long for a lost submission or a silent end.
            Job::Launches => config.cron.watchdog_interval.min(Duration::from_secs(10)),
            // A scheduled action fires within seconds of its time.
            Job::Actions => config.cron.watchdog_interval.min(Duration::from_secs(5)),
        }
    }

    /// Runs the job once under its lock. Returns `None` when another cron holds the lock.
    pub async fn run_locked(self, ctx: &Context) -> anyhow::Result<Option<String>> {
        let ran = locked(ctx, self.name(), async {
            match self {
                Job::Watchdog => watchdog(ctx).await,
                Job::Mail => send_mail(ctx).await,
                Job::Cleanup => cleanup(ctx).await,
                Job::Rekey => rekey(ctx, usize::MAX).await,
                Job::ComputeEnvs => check_compute_envs(ctx).await,
                Job::Launches => reconcile_launches(ctx).await,
                Job::Actions => fire_actions(ctx).await,
            }
        })
        .await?;
        ran.transpose()
    }
}

/// Runs `work` under the lock `name`, renewing the lock's lease (`TOWER_CRON_LOCK_TIMEOUT`) every
/// third of it while the work goes on: the lock stays with a live cron however long the work
/// takes, and passes to another within one lease when this cron dies. Returns `None`, without
/// running `work`, when another cron holds the lock.
pub async fn locked<T>(ctx: &Context, name: &str, work: impl Future<Output = T>) -> anyhow::Result<Option<T>> {
    let lease = ctx.config.cron.lock_timeout;
    let lease_ms = lease.as_millis() as i64;
    let now = now_millis();
    if !store::cron::acquire_lock(&ctx.db, name, &ctx.owner, now, now + lease_ms).await? {
        return Ok(None);
    }
    let heartbeat = async {
        let mut tick = tokio::time::interval(lease / 3);
        tick.tick().await;
        loop {
            tick.tick().await;
            match store::cron::renew_lock(&ctx.db, name, &ctx.owner, now_millis() + lease_ms).await {
                Ok(true) => {}
                Ok(false) => tracing::warn!(job = name, "the job lock passed to another cron while this one worked"),
                Err(e) => tracing::warn!(job = name, error = %e, "cannot renew the job lock"),
            }
        }
    };
    let result = tokio::select! {
        r = work => r,
        _ = heartbeat => unreachable!("the heartbeat never ends"),
    };
    if let Err(e) = store::cron::release_lock(&ctx.db, name, &ctx.owner).await {
        tracing::warn!(job = name, error = %e, "cannot release the job lock; it expires on its own");
    }
    Ok(Some(result))
}

/// Runs every job on its interval until `stop` turns true.
pub fn spawn(ctx: Arc<Context>, stop: watch::Receiver<bool>) -> JoinSet<()> {
    let mut set = JoinSet::new();
    for job in Job::ALL {
        let (ctx, mut stop) = (ctx.clone(), stop.clone());
        set.spawn(async move {
            let interval = job.interval(&ctx.config);
            tracing::info!(job = job.name(), interval_s = interval.as_secs_f64(), "job scheduled");
            loop {
                // A cron kept out by another's lock looks again well within a lease, so it takes
                // the job over soon after the other dies.
                let mut wait = interval;
                let started = std::time::Instant::now();
                let result = job.run_locked(&ctx).await;
                let outcome = match &result {
                    Ok(Some(_)) => "ran",
                    Ok(None) => "locked_elsewhere",
                    Err(_) => "failed",
                };
                metrics::counter!("tower_cron_job_runs_total", "job" => job.name(), "outcome" => outcome).increment(1);
                if outcome != "locked_elsewhere" {
                    metrics::histogram!("tower_cron_job_duration_seconds", "job" => job.name()).record(started.elapsed().as_secs_f64());
                }
                match result {
                    Ok(Some(summary)) if !summary.is_empty() => tracing::info!(job = job.name(), "{summary}"),
                    Ok(Some(_)) => tracing::debug!(job = job.name(), "nothing to do"),
                    Ok(None) => {
                        tracing::debug!(job = job.name(), "another cron holds the job lock");
                        wait = wait.min(ctx.config.cron.lock_timeout / 2);
                    }
                    Err(e) => tracing::error!(job = job.name(), error = format!("{e:#}"), "job failed; it runs again at the next interval"),
                }
                tokio::select! {
                    _ = tokio::time::sleep(wait) => {}
                    _ = stop.wait_for(|s| *s) => break,
                }
            }
        });
    }
    set
}

/// SUBMITTED/RUNNING runs silent for `unknown_after` become UNKNOWN; UNKNOWN runs silent for
/// `zombie_after` get a completion time.
pub async fn watchdog(ctx: &Context) -> anyhow::Result<String> {
    let now = now_millis();
    let c = &ctx.config.cron;
    let unknown = store::cron::mark_silent_runs_unknown(&ctx.db, now - c.unknown_after.as_millis() as i64, WATCHDOG_BATCH).await?;
    for run in &unknown {
        tracing::info!(workflow_id = %run.id, "run silent for {} s: status UNKNOWN", c.unknown_after.as_secs());
        let event = LiveEvent::new(LiveEventType::WorkflowUpdated, &run.id, run.owner_id, run.workspace_id, Some("UNKNOWN"), None);
        ctx.publisher.send(Message::Run { event });
    }
    let zombies = store::cron::end_zombie_runs(&ctx.db, now - c.zombie_after.as_millis() as i64, WATCHDOG_BATCH).await?;
    for id in &zombies {
        tracing::info!(workflow_id = %id, "run silent for {} s: given a completion time, no longer active", c.zombie_after.as_secs());
    }
    Ok(if unknown.is_empty() && zombies.is_empty() {
        String::new()
    } else {
        format!("{} run(s) now UNKNOWN, {} run(s) given up on", unknown.len(), zombies.len())
    })
}

/// Sends the due mail of the outbox, each under a lease; a failed send is retried later with an
/// exponential backoff (from `TOWER_CRON_MAIL_INTERVAL` up to an hour), forever: nothing is
/// dropped. Without an SMTP relay the mail waits in the outbox.
pub async fn send_mail(ctx: &Context) -> anyhow::Result<String> {
    let (count, oldest) = store::mail::pending(&ctx.db).await?;
    metrics::gauge!("tower_mail_outbox_pending").set(count as f64);
    let Some(mailer) = &ctx.mailer else {
        if count == 0 {
            return Ok(String::new());
        }
        let age = oldest.map(|t| (now_millis() - t) / 1000).unwrap_or(0);
        return Ok(format!("{count} mail(s) wait in the outbox (oldest {age} s): SMTP is not configured, set TOWER_SMTP_HOST"));
    };
    let (mut sent, mut failed) = (0, 0);
    // One mail claimed at a time: its lease then covers one SMTP transaction, however long the
    // queue, so a slow relay never lets a lease lapse while the mail still waits its turn.
    while sent + failed < MAIL_PER_RUN && !ctx.stopping() {
        let now = now_millis();
        let lease_until = now + ctx.config.cron.mail_lease.as_millis() as i64;
        let Some(mail) = store::mail::claim_next(&ctx.db, &ctx.owner, now, lease_until).await? else { break };
        match mailer.send(&mail).await {
            Ok(()) => {
                store::mail::mark_sent(&ctx.db, mail.id, now_millis()).await?;
                metrics::counter!("tower_mail_sent_total").increment(1);
                metrics::gauge!("tower_mail_outbox_pending").decrement(1.0);
                tracing::info!(message_id = %mail.message_id, kind = %mail.kind, attempt = mail.attempts, "mail sent");
                sent += 1;
            }
            Err(e) => {
                let base = ctx.config.cron.mail_interval.as_millis() as i64;
                let backoff = base.saturating_mul(1 << (mail.attempts - 1).clamp(0, 20)).min(MAX_BACKOFF_MS);
                let error = format!("{e:#}");
                store::mail::mark_failed(&ctx.db, mail.id, &ctx.owner, now_millis() + backoff, &error).await?;
                metrics::counter!("tower_mail_failures_total").increment(1);
                tracing::warn!(message_id = %mail.message_id, attempt = mail.attempts, retry_in_s = backoff / 1000, relay = %mailer.relay, error, "mail not sent");
                failed += 1;
            }
        }
    }
    Ok(if sent + failed == 0 { String::new() } else { format!("{sent} mail(s) sent, {failed} to retry") })
}

/// Purges deleted runs (and, with `TOWER_CRON_RUN_RETENTION`, runs that ended long ago) with
/// their tasks in bounded chunks, expired sign-in links and sessions, and old sent mail.
pub async fn cleanup(ctx: &Context) -> anyhow::Result<String> {
    let c = &ctx.config.cron;
    let chunk = c.cleanup_chunk_size as i64;
    let now = now_millis();
    let ended_before = c.run_retention.map(|r| now - r.as_millis() as i64);
    let runs = store::cron::runs_to_purge(&ctx.db, ended_before, 100).await?;
    let mut tasks = 0;
    for id in &runs {
        tasks += store::cron::purge_run(&ctx.db, id, chunk).await?;
        tracing::info!(workflow_id = %id, "run purged");
    }
    let (links, sessions) = store::cron::expire_sign_ins(&ctx.db, now, now, chunk).await?;
    let mails = store::mail::delete_sent_before(&ctx.db, now - c.mail_retention.as_millis() as i64, chunk).await?;
    let mut events = 0;
    loop {
        let n = store::audit::delete_older_than(&ctx.db, now - c.audit_log_retention.as_millis() as i64, chunk).await?;
        events += n;
        if n < chunk as u64 || ctx.stopping() {
            break;
        }
    }
    Ok(if runs.is_empty() && links + sessions + mails + events == 0 {
        String::new()
    } else {
        format!(
            "purged {} run(s) with {tasks} task(s); deleted {links} expired sign-in link(s), {sessions} expired session(s), {mails} old sent mail(s), \
             {events} old audit log event(s)",
            runs.len()
        )
    })
}

/// During a key rotation (`TOWER_CRYPTO_PREVIOUS_SECRETKEY` set), seals every stored secret of
/// the previous key again with the current one, at most `limit` of them, a batch at a time. Each
/// value is swapped only if unchanged meanwhile, so the job can stop or die at any point and the
/// next run goes on where it ended. A value that does not open is reported and left as it is.
pub async fn rekey(ctx: &Context, limit: usize) -> anyhow::Result<String> {
    let (Some(current), Some(previous)) = (ctx.keyring.current_id(), ctx.keyring.previous_id()) else {
        return Ok(String::new());
    };
    let (mut done, mut failed) = (0usize, 0usize);
    for kind in SealedKind::ALL {
        let mut after: Option<String> = None;
        while done < limit && !ctx.stopping() {
            let batch = store::sealed::sealed_with(&ctx.db, kind, previous, after.as_deref(), REKEY_BATCH).await?;
            let Some((last, _)) = batch.last() else { break };
            after = Some(last.clone());
            for (id, sealed) in batch.into_iter().take(limit - done) {
                match ctx.keyring.reseal(&sealed, &kind.aad(&id)) {
                    Ok(Some(new)) => {
                        if store::sealed::replace(&ctx.db, kind, &id, &sealed, &new).await? {
                            done += 1;
                        }
                    }
                    Ok(None) => {}
                    Err(e) => {
                        failed += 1;
                        tracing::error!(kind = ?kind, id = %id, error = %e, "a stored secret does not decrypt; it is left as it is");
                    }
                }
            }
        }
    }
    let left: i64 = store::sealed::key_counts(&ctx.db).await?.into_iter().filter(|(k, _)| k == previous).map(|(_, n)| n).sum();
    Ok(match (done, left) {
        (0, 0) if failed == 0 => String::new(),
        (_, 0) => format!(
            "re-encrypted {done} stored secrets with key {current}; none is left under key {previous}: TOWER_CRYPTO_PREVIOUS_SECRETKEY can be removed"
        ),
        _ => format!("re-encrypted {done} stored secrets with key {current}; {left} left under key {previous} ({failed} do not decrypt)"),
    })
}

/// Runs the checks of compute environments left `CREATING` with nobody checking them.
pub async fn check_compute_envs(ctx: &Context) -> anyhow::Result<String> {
    let ids = store::compute_env::unchecked(&ctx.db, now_millis(), 20).await?;
    let mut checked = Vec::new();
    for id in ids {
        if ctx.stopping() {
            break;
        }
        if let Some(outcome) = tower_backend::launch::checks::run(&ctx.db, &ctx.keyring, &id, ctx.config.enable_local_platform).await? {
            checked.push(format!("{id}: {}", outcome.status));
        }
    }
    Ok(if checked.is_empty() { String::new() } else { format!("checked compute environments {}", checked.join(", ")) })
}

fn launcher(ctx: &Context) -> tower_backend::launch::submit::Launcher<'_> {
    tower_backend::launch::submit::Launcher {
        db: &ctx.db,
        keyring: &ctx.keyring,
        api_url: &ctx.config.launch_api_url,
        server_url: &ctx.config.server_url,
        local_enabled: ctx.config.enable_local_platform,
    }
}

/// Submits launches a dead backend left, and ends the runs whose head job ended (`launch::reconcile`).
pub async fn reconcile_launches(ctx: &Context) -> anyhow::Result<String> {
    let launcher = launcher(ctx);
    let done =
        tower_backend::launch::reconcile::reconcile(&launcher, |token_id| ctx.publisher.send(Message::TokenRevoked { token_id })).await?;
    Ok(done.join("; "))
}

/// Scheduled actions missed by more than this fire only if they catch up (cron was down).
const LATE_MS: i64 = 60_000;

/// Fires the `cron` actions that are due (`launch::action::fire_due`), then submits their runs;
/// a submission that fails here is the reconciler's to retry.
pub async fn fire_actions(ctx: &Context) -> anyhow::Result<String> {
    let launcher = launcher(ctx);
    let launched = tower_backend::launch::action::fire_due(&launcher, &ctx.config.root_users, LATE_MS).await?;
    let mut done = Vec::new();
    for (run, launch_id) in launched {
        let event = LiveEvent::new(LiveEventType::WorkflowCreated, &run.id, run.owner_id, run.workspace_id, Some("SUBMITTED"), None);
        ctx.publisher.send(Message::Run { event });
        if let Err(e) = tower_backend::launch::submit::submit(&launcher, &launch_id).await {
            tracing::warn!(launch = %launch_id, error = format!("{e:#}"), "submitting a scheduled launch failed; the reconciler tries again");
        }
        done.push(format!("launched run {}", run.id));
    }
    Ok(done.join("; "))
}
