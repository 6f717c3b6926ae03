//! `stats`: a row per container in Podman's columns, its formats and errors,
//! and the API's stats read by the docker CLI and the Python SDK.

use crate::api::Service;
use crate::common::*;

const HEADER: [&str; 10] = [
    "ID",
    "NAME",
    "CPU %",
    "MEM USAGE / LIMIT",
    "MEM %",
    "NET IO",
    "BLOCK IO",
    "PIDS",
    "CPU TIME",
    "AVG CPU %",
];

/// A table line's cells: the columns are two or more spaces apart.
fn cells(line: &str) -> Vec<String> {
    line.split("  ")
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .map(str::to_owned)
        .collect()
}

/// "1.36MB / 25.28GB" -> the bytes in use, roughly.
fn used_bytes(usage: &str) -> f64 {
    let used = usage.split(" / ").next().unwrap();
    let digits = used.trim_end_matches(|c: char| c.is_ascii_alphabetic());
    let scale = match &used[digits.len()..] {
        "B" => 1.0,
        "kB" => 1e3,
        "MB" => 1e6,
        "GB" => 1e9,
        other => panic!("unit {other} in {usage}"),
    };
    digits.parse::<f64>().unwrap() * scale
}

#[test]
fn stats_no_stream_prints_a_row_per_container_with_memory_and_pids() {
    let (c, image) = with_busybox();
    let id = run_detached(&c, &["--name", "busy", &image, "sleep", "1000"]);
    c.run(["create", "--name", "idle", &image, "true"])
        .success();
    let out = c.run(["stats", "--no-stream"]);
    out.success();
    let lines = out.stdout_lines();
    assert_eq!(cells(lines[0]), HEADER, "{out}");
    assert_eq!(lines.len(), 3, "a row per container, as Podman's: {out}");
    let busy = lines
        .iter()
        .map(|l| cells(l))
        .find(|c| c[1] == "busy")
        .expect("the running container's row");
    assert_eq!(busy[0], id[..12]);
    let memory = used_bytes(&busy[3]);
    assert!(
        (1e4..1e9).contains(&memory),
        "a sleeping busybox uses some memory: {out}"
    );
    assert_eq!(busy[7], "1", "one process: {out}");
    assert!(busy[2].ends_with('%') && busy[9].ends_with('%'), "{out}");
    // Not running: zeros, as Podman shows them.
    let idle = lines.iter().map(|l| cells(l)).find(|c| c[1] == "idle");
    let idle = idle.expect("the created container's row");
    assert_eq!(
        &idle[2..],
        ["0.00%", "0B / 0B", "0.00%", "0B / 0B", "0B / 0B", "0", "0s", "0.00%"]
    );
    // Figures not from a cgroup of its own are said to be so, once.
    let notes = out.stderr.matches("/proc").count();
    assert!(notes <= 1, "{out}");
    let all = c.run(["stats", "--no-stream", "--all"]);
    assert_eq!(all.success().stdout_lines().len(), 3, "{all}");
    c.run(["container", "stats", "--no-stream", "--no-trunc", "busy"])
        .success()
        .stdout_contains(&id);
    c.run(["rm", "-f", "-t", "0", "busy", "idle"]).success();
}

#[test]
fn stats_formats_json_and_templates() {
    let (c, image) = with_busybox();
    let id = run_detached(&c, &["--name", "web", &image, "sleep", "1000"]);
    let out = c.run(["stats", "--no-stream", "--format", "json"]);
    let rows = out.success().json();
    let rows = rows.as_array().expect("a JSON array");
    assert_eq!(rows.len(), 1, "{out}");
    let keys: Vec<&String> = rows[0].as_object().unwrap().keys().collect();
    for key in [
        "id",
        "name",
        "cpu_time",
        "cpu_percent",
        "avg_cpu",
        "mem_usage",
        "mem_percent",
        "net_io",
        "block_io",
        "pids",
    ] {
        assert!(keys.iter().any(|k| *k == key), "{key} in {out}");
    }
    assert_eq!(rows[0]["name"], "web");
    assert_eq!(rows[0]["pids"], "1");
    assert!(
        out.stdout.starts_with("[\n {\n  \"id\""),
        "Podman's order and indent: {out}"
    );
    c.run([
        "stats",
        "--no-stream",
        "--format",
        "{{.Name}} {{.PIDS}} {{.PIDs}}",
        "web",
    ])
    .success()
    .stdout_eq("web 1 1\n");
    let table = c.run([
        "stats",
        "--no-stream",
        "--format",
        "table {{.ID}} {{.MemUsage}}",
    ]);
    let lines = table.success().stdout_lines();
    assert_eq!(cells(lines[0]), ["ID", "MEM USAGE / LIMIT"], "{table}");
    assert!(lines[1].starts_with(&id[..12]), "{table}");
    let binary = c.run(["stats", "--no-stream", "--format", "{{.MemUsageBytes}}"]);
    assert!(binary.success().stdout.contains("iB / "), "{binary}");
    c.run(["rm", "-f", "-t", "0", "web"]).success();
}

#[test]
fn stats_of_a_stopped_or_unknown_container_and_bad_flags() {
    let (c, image) = with_busybox();
    c.run(["run", "--name", "done", &image, "true"]).success();
    let out = c.run(["stats", "--no-stream", "done"]);
    let lines = out.success().stdout_lines();
    assert_eq!(
        cells(lines[1])[7],
        "0",
        "an exited container shows zeros: {out}"
    );
    c.run(["stats", "--no-stream", "nope"])
        .code(125)
        .stderr_contains(
            "Error: unable to get list of containers: unable to look up container nope: \
             no container with name or ID \"nope\" found: no such container",
        );
    c.run(["stats", "--no-stream", "--all", "done"])
        .code(125)
        .stderr_contains("--all, --latest and containers cannot be used together");
    c.run(["stats", "--no-stream", "--interval", "0"])
        .code(125)
        .stderr_contains("invalid interval, must be a positive number greater zero");
    c.run(["stats", "--no-stream", "--interval", "soon"])
        .code(125);
}

#[test]
fn stats_streams_a_table_every_interval() {
    let (c, image) = with_busybox();
    run_detached(
        &c,
        &["--name", "spin", &image, "sh", "-c", "while :; do :; done"],
    );
    let child = c.spawn([
        "stats",
        "--interval",
        "1",
        "--format",
        "{{.Name}} {{.CPUPerc}}",
    ]);
    std::thread::sleep(std::time::Duration::from_millis(2500));
    // SAFETY: signalling our own child.
    unsafe { libc::kill(child.id() as i32, libc::SIGTERM) };
    let out = child.wait_with_output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    let rows: Vec<&str> = text.lines().filter(|l| l.starts_with("spin ")).collect();
    assert!(rows.len() >= 2, "a row a second: {text}");
    let last: f64 = rows[rows.len() - 1][5..]
        .trim_end_matches('%')
        .parse()
        .unwrap();
    assert!(last > 10.0, "a busy loop uses the CPU: {text}");
    c.run(["rm", "-f", "-t", "0", "spin"]).success();
}

#[test]
fn stats_rootful_reads_the_containers_cgroup() {
    let Some(c) = coracle_testkit::Coracle::rootful(BIN) else {
        return;
    };
    let image = anon_ref("busybox:latest");
    pull(&c, &image).success();
    run_detached(&c, &["--name", "rooted", &image, "sleep", "1000"]);
    let out = c.run([
        "stats",
        "--no-stream",
        "--format",
        "{{.MemUsage}}|{{.PIDS}}",
        "rooted",
    ]);
    out.success();
    assert!(!out.stderr.contains("/proc"), "its own cgroup: {out}");
    let (usage, pids) = out.stdout_trim().split_once('|').unwrap();
    assert!(used_bytes(usage) > 0.0, "{out}");
    assert_eq!(pids, "1", "{out}");
    c.run(["rm", "-f", "-t", "0", "rooted"]).success();
}

#[test]
fn docker_stats_and_the_python_sdk_show_memory() {
    let (c, image) = with_busybox();
    let api = Service::start(&c);
    api.docker(&c, ["run", "-d", "--name", "seen", &image, "sleep", "1000"])
        .success();
    let out = api.docker(
        &c,
        [
            "stats",
            "--no-stream",
            "--format",
            "{{.Name}} {{.MemUsage}} {{.PIDs}}",
        ],
    );
    let line = out.success().stdout_trim().to_owned();
    let fields: Vec<&str> = line.split(' ').collect();
    assert_eq!(fields[0], "seen", "{out}");
    assert!(!fields[1].starts_with("0B"), "memory in use: {out}");
    assert_eq!(fields.last(), Some(&"1"), "{out}");
    let script = r#"
import docker
s = docker.from_env().containers.get("seen").stats(stream=False)
print(s["memory_stats"]["usage"] > 0, s["memory_stats"]["limit"] > 0, s["pids_stats"]["current"])
print(s["cpu_stats"]["system_cpu_usage"] > s["precpu_stats"]["system_cpu_usage"] > 0)
"#;
    api.python(&c, script)
        .success()
        .stdout_eq("True True 1\nTrue\n");
    api.docker(&c, ["rm", "-f", "seen"]).success();
}
