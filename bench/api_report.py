"""bench/api.py's report: the Markdown table of one run's figures."""

from api_config import PAGE, SHOWN, TRACKERS, WORKERS


def table(report: dict) -> str:
    lines = [
        f"Incident list, first page of {PAGE}, {report['incidents']:,} incidents on PostgreSQL, {WORKERS} workers each, "
        f"wrk with Connection: close, median of {report['repetitions']} runs of {report['seconds']} s.",
        "",
        "| scenario | system | conns | req/s | p50 ms | p99 ms | CPU ms/req | errors | vs Platformatic | vs Datasette | CPU vs raw |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for name, by_system in report["scenarios"].items():
        raw = report["raw"][name]
        for system, loads in by_system.items():
            for load in loads:
                c = load["connections"]
                peer = {
                    s: next((x for x in by_system.get(s, []) if x["connections"] == c), None)
                    for s in ("platformatic", "datasette")
                }
                vs = [
                    f"{load['rps'] / peer[s]['rps']:.2f}×" if system in TRACKERS and peer[s] and peer[s]["rps"] else ""
                    for s in ("platformatic", "datasette")
                ]
                cpu_vs_raw = f"{load['cpu_ms_per_request'] / raw['cpu_ms_per_request']:.1f}×" if system in TRACKERS else ""
                lines.append(
                    f"| {name} | {SHOWN.get(system, system)} | {c} | {load['rps']:,.0f} | {load['p50_ms']:.1f} | {load['p99_ms']:.1f} | "
                    f"{load['cpu_ms_per_request']:.2f} | {load['errors']} | {vs[0]} | {vs[1]} | {cpu_vs_raw} |"
                )
        lines.append(
            f"| {name} | raw SQL + orjson (in-process) | 1 | — | {raw['wall_ms']:.2f} | — | {raw['cpu_ms_per_request']:.2f} | 0 | | | 1.0× |"
        )
    if report.get("endpoints"):
        lines += [
            "",
            "Other endpoints (the tracker only; no peer has them):",
            "",
            "| endpoint | system | conns | req/s | p50 ms | p99 ms | CPU ms/req | errors |",
            "| --- | --- | --- | --- | --- | --- | --- | --- |",
        ]
        for name, by_system in report["endpoints"].items():
            for system, x in ((system, x) for system, loads in by_system.items() for x in loads):
                lines.append(
                    f"| {name} | {SHOWN[system]} | {x['connections']} | {x['rps']:,.0f} | {x['p50_ms']:.1f} | {x['p99_ms']:.1f} | "
                    f"{x['cpu_ms_per_request']:.2f} | {x['errors']} |"
                )
    if r := report.get("recompute"):
        lines += [
            "",
            f"Bulk recompute of every verdict (`manage.py recompute_assessments`, {report['incidents']:,} incidents × "
            f"every ceasefire): {r['seconds']:,.1f} s, CPU {r['cpu_seconds']:,.1f} s, "
            f"peak RSS {r['peak_rss_mib']} MiB ({r['outcome']}).",
        ]
    if e := report.get("export"):
        copy = e["copy"]
        lines += [
            "",
            f"Streaming export of every incident against COPY of the same rows ({report['incidents']:,} incidents):",
            "",
            "| run | rows | MiB | wall s | first byte s | CPU s | PostgreSQL CPU s | RSS before → peak MiB | wall vs COPY |",
            "| --- | --- | --- | --- | --- | --- | --- | --- | --- |",
        ]
        for what, x in e.items():
            name = "COPY ... TO STDOUT (psycopg)" if what == "copy" else f"/api/v1/incidents/export/?format={what}"
            lines.append(
                f"| {name} | {x['rows']:,} | {x['mib']:,} | {x['seconds']:,.1f} | {x['first_byte_seconds']:.2f} | "
                f"{x['cpu_seconds']:,.1f} | {x['db_cpu_seconds']:,.1f} | {x['rss_before_mib']} → {x['peak_rss_mib']} | "
                f"{x['seconds'] / max(copy['seconds'], 0.001):.1f}× |"
            )
    m = report.get("mixed")
    if m:
        lines += [
            "",
            f"Mixed load, {m['connections']} connections for {m['seconds']} s (90 % reads across the scenarios, 10 % PATCH "
            f"with If-Match): {m['rps']:,.0f} req/s, p50 {m['p50_ms']} ms, p99 {m['p99_ms']} ms; "
            f"{m['accepted_writes']} writes accepted, {m['statuses'].get('write 412', 0)} answered 412; "
            f"**{m['errors']} errors, {m['lost_writes']} lost writes**.",
        ]
    return "\n".join(lines) + "\n"
