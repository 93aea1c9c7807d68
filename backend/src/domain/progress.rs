//! The progress of a run as the API reports it (`ProgressData`): task counters, load and peaks
//! come from Nextflow's latest snapshot; resource totals (CPU time, memory, I/O, cost) are summed
//! by the server over terminal tasks, with the old Tower's formulas:
//! `cpuTime = cpus × realtime`, `cpuLoad = pcpu/100 × realtime`, `memoryEfficiency = rss/req`.

use serde::Serialize;

use super::trace::{ProcessProgress, ProgressCounters, ProgressSnapshot};

/// Cost estimate per CPU-hour when nothing better is known (the old Tower's default).
pub const COST_PER_CPU_HOUR: f64 = 0.1;

/// Resource sums over the terminal tasks of one process.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ResourceTotals {
    pub process: String,
    pub cpus: f64,
    pub cpu_time: f64,
    pub cpu_load: f64,
    pub memory_rss: f64,
    pub memory_req: f64,
    pub read_bytes: f64,
    pub write_bytes: f64,
    pub vol_ctx_switch: f64,
    pub inv_ctx_switch: f64,
}

impl ResourceTotals {
    fn add(&mut self, o: &ResourceTotals) {
        self.cpus += o.cpus;
        self.cpu_time += o.cpu_time;
        self.cpu_load += o.cpu_load;
        self.memory_rss += o.memory_rss;
        self.memory_req += o.memory_req;
        self.read_bytes += o.read_bytes;
        self.write_bytes += o.write_bytes;
        self.vol_ctx_switch += o.vol_ctx_switch;
        self.inv_ctx_switch += o.inv_ctx_switch;
    }
}

/// Task counts by process and status, used when no snapshot has arrived yet.
#[derive(Debug, Clone)]
pub struct StatusCount {
    pub process: String,
    pub status: String,
    pub count: i64,
}

#[derive(Debug, Clone, Default, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Counters {
    pub pending: i64,
    pub submitted: i64,
    pub running: i64,
    pub succeeded: i64,
    pub failed: i64,
    pub cached: i64,
    pub ignored: i64,
    pub aborted: i64,
    pub retries: i64,
    pub load_cpus: i64,
    pub load_memory: i64,
    pub load_tasks: i64,
    pub peak_cpus: i64,
    pub peak_memory: i64,
    pub peak_tasks: i64,
}

#[derive(Debug, Clone, Default, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Resources {
    pub cpus: i64,
    pub cpu_time: i64,
    pub cpu_load: i64,
    pub memory_rss: i64,
    pub memory_req: i64,
    pub read_bytes: i64,
    pub write_bytes: i64,
    pub vol_ctx_switch: i64,
    pub inv_ctx_switch: i64,
    pub cpu_efficiency: f32,
    pub memory_efficiency: f32,
}

impl From<&ResourceTotals> for Resources {
    fn from(t: &ResourceTotals) -> Self {
        let pct = |num: f64, den: f64| if den > 0.0 { (num / den * 100.0) as f32 } else { 0.0 };
        Resources {
            cpus: t.cpus as i64,
            cpu_time: t.cpu_time as i64,
            cpu_load: t.cpu_load as i64,
            memory_rss: t.memory_rss as i64,
            memory_req: t.memory_req as i64,
            read_bytes: t.read_bytes as i64,
            write_bytes: t.write_bytes as i64,
            vol_ctx_switch: t.vol_ctx_switch as i64,
            inv_ctx_switch: t.inv_ctx_switch as i64,
            cpu_efficiency: pct(t.cpu_load, t.cpu_time),
            memory_efficiency: pct(t.memory_rss, t.memory_req),
        }
    }
}

#[derive(Debug, Clone, Default, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct WorkflowLoad {
    #[serde(flatten)]
    pub counters: Counters,
    #[serde(flatten)]
    pub resources: Resources,
    pub cost: f64,
    pub executors: Vec<String>,
    pub num_spot_interruptions: i64,
    #[serde(with = "super::time::opt_datetime")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub date_created: Option<i64>,
    #[serde(with = "super::time::opt_datetime")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub last_updated: Option<i64>,
}

#[derive(Debug, Clone, Default, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ProcessLoad {
    pub process: String,
    #[serde(flatten)]
    pub counters: Counters,
    #[serde(flatten)]
    pub resources: Resources,
}

#[derive(Debug, Clone, Default, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ProgressData {
    pub workflow_progress: WorkflowLoad,
    pub processes_progress: Vec<ProcessLoad>,
    pub total_processes: i64,
}

impl From<&ProgressCounters> for Counters {
    fn from(p: &ProgressCounters) -> Self {
        Counters {
            pending: p.pending,
            submitted: p.submitted,
            running: p.running,
            succeeded: p.succeeded,
            failed: p.failed,
            cached: p.cached,
            ignored: p.ignored,
            aborted: p.aborted,
            retries: p.retries,
            load_cpus: p.load_cpus,
            load_memory: p.load_memory,
            load_tasks: p.running,
            peak_cpus: p.peak_cpus,
            peak_memory: p.peak_memory,
            peak_tasks: p.peak_running,
        }
    }
}

fn counters_from_tasks(counts: &[&StatusCount]) -> Counters {
    let mut c = Counters::default();
    for s in counts {
        match s.status.as_str() {
            "NEW" => c.pending += s.count,
            "SUBMITTED" => c.submitted += s.count,
            "RUNNING" => c.running += s.count,
            "COMPLETED" => c.succeeded += s.count,
            "FAILED" => c.failed += s.count,
            "CACHED" => c.cached += s.count,
            "ABORTED" => c.aborted += s.count,
            _ => {}
        }
    }
    c.load_tasks = c.running;
    c
}

/// Builds the API progress of a run.
pub fn build_progress(
    snapshot: Option<&ProgressSnapshot>,
    process_names: &[String],
    totals: &[ResourceTotals],
    status_counts: &[StatusCount],
    executors: Vec<String>,
) -> ProgressData {
    // Processes in the order Nextflow declared them, then any others seen in tasks.
    let mut names: Vec<String> = Vec::new();
    let mut push = |n: &str| {
        if !names.iter().any(|x| x == n) {
            names.push(n.to_string());
        }
    };
    if let Some(s) = snapshot {
        let mut procs: Vec<&ProcessProgress> = s.processes.iter().collect();
        procs.sort_by_key(|p| p.index);
        procs.iter().for_each(|p| push(&p.name));
    }
    process_names.iter().for_each(|n| push(n));
    totals.iter().for_each(|t| push(&t.process));
    status_counts.iter().for_each(|c| push(&c.process));

    let mut all = ResourceTotals::default();
    let processes: Vec<ProcessLoad> = names
        .iter()
        .map(|name| {
            let counters = match snapshot.and_then(|s| s.processes.iter().find(|p| &p.name == name)) {
                Some(p) => Counters::from(&p.counters),
                None if snapshot.is_some() && !status_counts.iter().any(|c| &c.process == name) => Counters::default(),
                None => counters_from_tasks(&status_counts.iter().filter(|c| &c.process == name).collect::<Vec<_>>()),
            };
            let t = totals.iter().find(|t| &t.process == name).cloned().unwrap_or_default();
            all.add(&t);
            ProcessLoad { process: name.clone(), counters, resources: Resources::from(&t) }
        })
        .collect();

    let counters = match snapshot {
        Some(s) => Counters::from(&s.counters),
        None => counters_from_tasks(&status_counts.iter().collect::<Vec<_>>()),
    };
    let cost = (all.cpu_time / 3_600_000.0 * COST_PER_CPU_HOUR * 100.0).round() / 100.0;
    ProgressData {
        total_processes: processes.len() as i64,
        workflow_progress: WorkflowLoad {
            counters,
            resources: Resources::from(&all),
            cost,
            executors,
            num_spot_interruptions: snapshot.map(|s| s.num_spot_interruptions).unwrap_or(0),
            date_created: None,
            last_updated: None,
        },
        processes_progress: processes,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn efficiency_follows_the_old_tower_formulas() {
        let t = ResourceTotals {
            process: "p".into(),
            cpus: 2.0,
            cpu_time: 1000.0,
            cpu_load: 500.0,
            memory_rss: 25.0,
            memory_req: 100.0,
            ..Default::default()
        };
        let r = Resources::from(&t);
        assert_eq!((r.cpu_efficiency, r.memory_efficiency), (50.0, 25.0));
        assert_eq!(Resources::from(&ResourceTotals::default()).cpu_efficiency, 0.0);
    }

    #[test]
    fn without_a_snapshot_counters_come_from_task_statuses() {
        let counts = vec![
            StatusCount { process: "a".into(), status: "COMPLETED".into(), count: 3 },
            StatusCount { process: "a".into(), status: "RUNNING".into(), count: 1 },
            StatusCount { process: "b".into(), status: "FAILED".into(), count: 2 },
        ];
        let p = build_progress(None, &["a".into(), "b".into(), "c".into()], &[], &counts, vec![]);
        assert_eq!(p.total_processes, 3);
        assert_eq!(p.workflow_progress.counters.succeeded, 3);
        assert_eq!(p.workflow_progress.counters.failed, 2);
        assert_eq!(p.processes_progress[0].counters.running, 1);
        assert_eq!(p.processes_progress[2].counters.succeeded, 0);
    }
}
