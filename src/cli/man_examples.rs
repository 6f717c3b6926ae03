//! The EXAMPLES section of each manual page: Podman's examples for the commands
//! people use most, and for the rest a usage line built from the command's
//! arguments.

/// By the command's words below `coracle` ("" for coracle.1 itself).
const EXAMPLES: &[(&str, &[&str])] = &[
    (
        "",
        &[
            "coracle run --rm -it docker.io/library/busybox sh",
            "coracle ps -a",
            "coracle images",
        ],
    ),
    (
        "run",
        &[
            "coracle run --rm -it docker.io/library/busybox sh",
            "coracle run -d --name web -p 8080:80 docker.io/library/nginx",
            "coracle run --rm -v data:/data -e KEY=value busybox env",
            "coracle run -d --restart=always --name worker busybox sleep infinity",
        ],
    ),
    (
        "create",
        &[
            "coracle create --name ctr -it busybox sh",
            "coracle start --attach ctr",
        ],
    ),
    (
        "start",
        &[
            "coracle start ctr",
            "coracle start --attach --interactive ctr",
            "coracle start --all --filter restart-policy=always",
        ],
    ),
    (
        "stop",
        &[
            "coracle stop ctr",
            "coracle stop --time 2 ctr1 ctr2",
            "coracle stop --all",
        ],
    ),
    (
        "restart",
        &["coracle restart ctr", "coracle restart --running"],
    ),
    (
        "kill",
        &["coracle kill ctr", "coracle kill --signal TERM ctr"],
    ),
    (
        "wait",
        &["coracle wait ctr", "coracle wait --condition running ctr"],
    ),
    ("attach", &["coracle attach ctr"]),
    (
        "exec",
        &[
            "coracle exec -it ctr sh",
            "coracle exec -e KEY=value -w /tmp ctr env",
        ],
    ),
    (
        "cp",
        &[
            "coracle cp ctr:/etc/hostname .",
            "coracle cp ./file ctr:/tmp/",
        ],
    ),
    ("export", &["coracle export -o ctr.tar ctr"]),
    (
        "rm",
        &[
            "coracle rm ctr",
            "coracle rm --force --volumes ctr",
            "coracle rm --all",
        ],
    ),
    (
        "ps",
        &[
            "coracle ps",
            "coracle ps -a --format json",
            "coracle ps --filter status=exited -q",
        ],
    ),
    (
        "inspect",
        &[
            "coracle inspect ctr",
            "coracle inspect --format '{{.State.Status}}' ctr",
        ],
    ),
    (
        "logs",
        &["coracle logs ctr", "coracle logs --follow --tail 10 ctr"],
    ),
    (
        "events",
        &[
            "coracle events --since 10m --stream=false",
            "coracle events --filter event=start --format json",
        ],
    ),
    ("top", &["coracle top ctr"]),
    (
        "stats",
        &[
            "coracle stats --no-stream",
            "coracle stats --no-stream --format json ctr",
        ],
    ),
    ("port", &["coracle port ctr", "coracle port ctr 80"]),
    ("pause", &["coracle pause ctr"]),
    ("unpause", &["coracle unpause ctr"]),
    ("update", &["coracle update --memory 256m ctr"]),
    ("rename", &["coracle rename ctr newname"]),
    (
        "pull",
        &[
            "coracle pull docker.io/library/busybox",
            "coracle pull --platform linux/arm64 busybox",
        ],
    ),
    (
        "push",
        &[
            "coracle push localhost:5000/app:1.0",
            "coracle push --tls-verify=false app registry.example:5000/app",
        ],
    ),
    (
        "login",
        &[
            "coracle login -u user registry.example",
            "echo $TOKEN | coracle login -u user --password-stdin registry.example",
        ],
    ),
    ("logout", &["coracle logout registry.example"]),
    ("save", &["coracle save -o busybox.tar busybox"]),
    ("load", &["coracle load -i busybox.tar"]),
    ("import", &["coracle import rootfs.tar myimage:latest"]),
    ("search", &["coracle search busybox"]),
    (
        "build",
        &[
            "coracle build -t app:latest .",
            "coracle build -f Containerfile --build-arg VERSION=1 -t app .",
        ],
    ),
    ("commit", &["coracle commit ctr app:snapshot"]),
    (
        "images",
        &[
            "coracle images",
            "coracle images --format json",
            "coracle images --filter dangling=true -q",
        ],
    ),
    ("rmi", &["coracle rmi busybox", "coracle rmi --all"]),
    ("tag", &["coracle tag busybox localhost/mybusybox:1"]),
    ("untag", &["coracle untag localhost/mybusybox:1"]),
    ("history", &["coracle history busybox"]),
    (
        "info",
        &[
            "coracle info",
            "coracle info --format '{{.Store.GraphRoot}}'",
        ],
    ),
    (
        "version",
        &["coracle version", "coracle version --format json"],
    ),
    (
        "unshare",
        &[
            "coracle unshare id",
            "coracle unshare cat /proc/self/uid_map",
        ],
    ),
    ("diff", &["coracle diff ctr"]),
    ("mount", &["coracle mount ctr", "coracle mount"]),
    ("umount", &["coracle umount ctr"]),
    (
        "completion",
        &[
            "coracle completion bash",
            "coracle completion zsh -f _coracle",
            "coracle completion fish --no-desc",
        ],
    ),
    (
        "network create",
        &[
            "coracle network create net1",
            "coracle network create --subnet 10.89.5.0/24 net2",
        ],
    ),
    ("network connect", &["coracle network connect net1 ctr"]),
    (
        "volume create",
        &[
            "coracle volume create data",
            "coracle volume create --label app=web data",
        ],
    ),
    ("volume import", &["coracle volume import data data.tar"]),
    ("volume export", &["coracle volume export data -o data.tar"]),
    (
        "secret create",
        &[
            "printf secret | coracle secret create token -",
            "coracle secret create token ./token.txt",
        ],
    ),
    (
        "system service",
        &["coracle system service --time 0 unix:///tmp/coracle.sock"],
    ),
    (
        "system prune",
        &[
            "coracle system prune",
            "coracle system prune --all --volumes --force",
        ],
    ),
    (
        "system df",
        &["coracle system df", "coracle system df --verbose"],
    ),
    ("system reset", &["coracle system reset --force"]),
    (
        "manifest create",
        &["coracle manifest create localhost/list:1 localhost/app:amd64 localhost/app:arm64"],
    ),
    (
        "manifest push",
        &["coracle manifest push localhost/list:1 registry.example/app:1"],
    ),
    ("healthcheck run", &["coracle healthcheck run ctr"]),
];

/// The examples for the command at `path`, by its own words, or by the
/// top-level command it is another spelling of (`container stop` is `stop`).
pub fn examples(path: &str, cmd: &clap::Command) -> Vec<String> {
    let lookup = |p: &str| EXAMPLES.iter().find(|(k, _)| *k == p).map(|(_, e)| *e);
    let alias = path
        .strip_prefix("container ")
        .or_else(|| path.strip_prefix("image "));
    let found = lookup(path).or_else(|| alias.and_then(lookup));
    match found {
        Some(lines) => lines.iter().map(|l| (*l).to_owned()).collect(),
        None => vec![usage(path, cmd)],
    }
}

/// `coracle volume inspect VOLUME`: the command with its arguments.
fn usage(path: &str, cmd: &clap::Command) -> String {
    let mut line = format!("coracle {path}");
    for arg in cmd.get_positionals().filter(|a| !a.is_hide_set()) {
        let name = match arg.get_value_names() {
            Some([name, ..]) => name.to_string(),
            _ => arg.get_id().to_string().to_uppercase(),
        };
        line.push(' ');
        line.push_str(&name);
    }
    line
}
