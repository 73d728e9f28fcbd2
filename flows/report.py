"""The run report: one model of what a loop run did, rendered for the UI and the terminal.

:class:`RunReport` is built once from a run's :class:`~flows.loop.LoopSummary`;
``to_markdown()`` gives the Prefect artifact ``bad-case-loop-summary``,
``to_text()`` the few lines ``badcase-loop run`` prints. The trends artifact has
its own small renderer, :func:`render_trends`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from tasks.publish.redact import PrivacySettings, redactor

if TYPE_CHECKING:
    from flows.config import LoopConfig
    from flows.loop import LoopSummary
    from tasks.monitor.trends import TrendSummary


def _pairs(counts: dict, empty: str = "none") -> str:
    """``a 1, b 2`` from a mapping of counts (``empty`` when there is none)."""
    return ", ".join(f"{k} {n}" for k, n in counts.items()) or empty


def shown_clusters(clusters: list[dict], privacy: PrivacySettings | None) -> list[dict]:
    """Top clusters as they may leave the warehouse (artifact, CLI): example requests
    redacted (``privacy``; on by default)."""
    redact = redactor(privacy)
    return [
        {
            **c,
            "example_request": str(
                redact(c.get("example_request")) if redact else c.get("example_request")
            ),
        }
        for c in clusters
    ]


@dataclass(frozen=True)
class RunReport:
    """What one loop run did, ready to render as markdown or as terminal text.

    Attributes:
        summary: The run's summary, stage by stage.
        landing: The landing root the run read (markdown only).
        config_hash: The hash of the run's settings (markdown only).
    """

    summary: LoopSummary
    landing: str | None = None
    config_hash: str | None = None
    privacy: PrivacySettings | None = None  # the example requests shown are redacted

    @classmethod
    def from_summary(cls, summary: LoopSummary, config: LoopConfig | None = None) -> RunReport:
        """The report of ``summary``; ``config`` adds the landing root and config hash."""
        if config is None:
            return cls(summary)
        return cls(summary, config.landing, config.config_hash(), config.privacy)

    def _example(self, cluster: dict, chars: int) -> str:
        """A cluster's example request as shown: redacted first, then shortened."""
        shown = shown_clusters([cluster], self.privacy)[0]["example_request"]
        return " ".join(str(shown).split())[:chars]

    # -- markdown (the Prefect artifact) ------------------------------------------------

    def to_markdown(self) -> str:
        """The run's markdown summary (the ``bad-case-loop-summary`` artifact)."""
        s = self.summary
        lines = [
            f"# Bad-case loop run `{s.run_id}`",
            "",
            f"- landing: `{self.landing}`",
            f"- warehouse: `{s.warehouse}`",
            f"- config hash: `{self.config_hash}`",
        ]
        lines += self._md_ingest()
        lines += self._md_mining()
        lines += self._md_llm()
        lines += self._md_repair()
        lines += self._md_publish()
        lines += self._md_evalset()
        lines += self._md_top_clusters()
        return "\n".join(lines) + "\n"

    def _md_ingest(self) -> list[str]:
        ing = self.summary.ingest
        lines = [
            "",
            "## Ingest",
            "",
            f"Files: {ing.files_seen} seen, {ing.files_new} new, {ing.files_changed} changed, "
            f"{ing.files_unchanged} unchanged, {ing.files_duplicate} duplicate copies, "
            f"{ing.files_quarantined} quarantined whole, {ing.files_ignored} ignored "
            f"({ing.fast_path_files} read by the typed fast path, "
            f"{ing.careful_path_files} line by line).",
            "",
            "| kind | files | read | inserted | duplicates | quarantined |",
            "|---|---:|---:|---:|---:|---:|",
        ]
        for kind, c in (("interactions", ing.interactions), ("events", ing.events)):
            lines.append(
                f"| {kind} | {c.files} | {c.records_read} | {c.inserted} | {c.duplicates} "
                f"| {c.quarantined} |"
            )
        lines += [
            "",
            f"Reconciles (read = inserted + duplicates + quarantined): **{ing.reconciles}**",
        ]
        if ing.quarantine_reasons:
            lines += ["", "| quarantine reason | records |", "|---|---:|"]
            lines += [f"| `{r}` | {n} |" for r, n in ing.quarantine_reasons.items()]
            lines += ["", "Inspect them with `SELECT * FROM quarantine WHERE run_id = '...'`."]
        return lines

    def _md_mining(self) -> list[str]:
        sig, jud, mine = self.summary.signals, self.summary.judges, self.summary.mining
        return [
            "",
            "## Signals, rule judges, mining",
            "",
            f"{mine.conversations} conversations (re)mined, {mine.interactions} interactions: "
            f"{sig.signals} signals, {jud.fired} rule verdicts, **{mine.bad_cases} bad cases** "
            f"({mine.near_misses} near misses) in {mine.clusters} clusters overall.",
            "",
            "| signal | count |",
            "|---|---:|",
            *[f"| `{k}` | {v} |" for k, v in sig.by_signal.items()],
            "",
            "| rule judge | fired |",
            "|---|---:|",
            *[f"| `{k}` | {v} |" for k, v in jud.by_judge.items()],
            "",
            f"A trusted LLM judge cleared {mine.cleared_by_judge} would-be bad cases; "
            f"{mine.disputed} are disputed (the user's explicit feedback says bad) and wait "
            "for people in the calibration queue (`badcase-loop review export`).",
            *(
                [
                    "",
                    "Down-weighted by the latest audit: "
                    + _pairs({f"`{k}`": f"x{v:.2f}" for k, v in mine.weight_factors.items()}),
                ]
                if mine.weight_factors
                else []
            ),
            "",
            "### Latest audit",
            "",
            render_audit(mine.latest_audit)
            if mine.latest_audit
            else "_No audit yet: `badcase-loop audit export` draws a blind sample to label._",
        ]

    def _md_llm(self) -> list[str]:
        """The LLM judge and calibration part of the summary."""
        llm, mine = self.summary.llm_judge, self.summary.mining
        lines = ["", "## LLM judges", ""]
        if not llm.ran:
            lines.append(f"_{llm.notice}_")
        else:
            lines += [
                f"`{llm.model}` with prompt `{llm.prompt_version}`: {llm.candidates} candidates, "
                f"{llm.cached} already judged (cache), {llm.over_limit} over the per-run limit, "
                f"**{llm.selected} judged** ({_pairs(llm.by_reason)}).",
                "",
                f"- verdicts: {_pairs(llm.verdicts)}; parse errors (raw output kept): "
                f"{llm.parse_errors}; failed calls: {_pairs(llm.call_failures)}",
                f"- {llm.requests} requests ({llm.retries} retries), {llm.prompt_tokens} prompt + "
                f"{llm.completion_tokens} completion tokens, {llm.seconds:.1f} s",
                f"- {llm.queued_for_calibration} items sent to people blind for calibration",
            ]
            if llm.budget_notice:
                lines.append(
                    f"- **stopped early: {llm.budget_notice}**; {llm.budget_skipped} items are "
                    "recorded as `budget_exhausted` and judged next run"
                )
        overall = [a for a in mine.judge_agreement if a["scene"] == "*"]
        if overall:
            lines += [
                "",
                "| judge | model | labels | agreement | kappa |",
                "|---|---|---:|---:|---:|",
            ]
            for a in overall:
                kappa = "n/a" if a["kappa"] is None else f"{a['kappa']:.2f}"
                lines.append(
                    f"| `{a['judge']}` | `{a['model']}` | {a['labels']} | {a['agreement']:.2f} "
                    f"| {kappa} |"
                )
        for key in mine.untrusted_judges:
            judge, model, _version, scene = key.split("|")
            where = "in every scene" if scene == "*" else f"in scene {scene!r}"
            lines.append(
                f"- **{judge} ({model}) disagrees with people {where}** (kappa below the "
                "threshold): its verdicts no longer count as sole evidence of a bad case there."
            )
        return lines

    def _md_repair(self) -> list[str]:
        """Routing and rewriting: where each new bad case went, and how repairs fared."""
        routing, rewrite = self.summary.routing, self.summary.rewrite
        lines = [
            "",
            "## Routing and repair",
            "",
            f"{routing.routed} new bad cases routed; {routing.queued_for_experts} queued for "
            "human experts (`badcase-loop review export`).",
            "",
            "| route | reason | cases |",
            "|---|---|---:|",
        ]
        for key, n in routing.by_reason.items():
            route, reason = key.split(":", 1)
            lines.append(f"| {route} | `{reason}` | {n} |")
        if rewrite.llm_ran:
            lines += [
                "",
                f"LLM rewriter `{rewrite.model}` (`{rewrite.prompt_version}`): "
                f"{rewrite.attempted} repairs, **{rewrite.chosen} chosen** (preferred in both "
                f"orders, rules pass), {rewrite.rejected} rejected and sent to people, "
                f"{rewrite.failed} failed calls (tried again next run); {rewrite.guided} guided "
                "by their cluster's pattern.",
            ]
            if rewrite.reasons:
                lines += ["", "| verification | rewrites |", "|---|---:|"]
                lines += [f"| {reason} | {n} |" for reason, n in rewrite.reasons.items()]
        else:
            lines += ["", f"_{rewrite.notice}_"]
        lines += [
            "",
            f"Expert repairs collected from the review queue: {rewrite.expert_repairs}; cases "
            f"experts found acceptable (dropped): {rewrite.expert_no_repair}.",
        ]
        return lines

    def _md_publish(self) -> list[str]:
        """Pairs built and left out, the validation result and the published version."""
        build, publish = self.summary.build, self.summary.publish
        lines = [
            "",
            "## Preference set",
            "",
            f"{build.new_pairs} new pairs; {build.eligible} eligible in all. Left out, with "
            f"reasons (`preference_pairs.exclusion_reason`): {_pairs(build.excluded)}. PII "
            f"redacted in new pairs: {_pairs(build.redacted)}. Eval prompts checked against: "
            f"{build.eval_prompts}.",
            "",
        ]
        compose = self.summary.compose
        if compose.candidates:
            lines += [
                f"Composition kept {compose.kept} of {compose.candidates} eligible pairs; left "
                f"out for the next version: {_pairs(compose.deferred)}. Chosen longer in "
                f"{compose.chosen_longer_share:.0%} of the kept pairs, median length ratio "
                f"{compose.median_length_ratio:.2f}"
                + ("." if compose.within_bounds else " (above the `[compose]` bounds)."),
                "",
            ]
        if publish.status == "published":
            lines.append(
                f"**Published {publish.version}** at `{publish.path}`: {publish.pairs} pairs "
                f"({publish.added} added, {publish.removed} removed since "
                f"{publish.parent or 'nothing'}), {publish.kto_rows} KTO rows, content hash "
                f"`{publish.content_hash[:16]}`. Validation passed."
            )
        elif publish.status == "unchanged":
            lines.append(f"Content unchanged since {publish.version}: nothing new published.")
        elif publish.status == "empty":
            lines.append("No repaired pairs yet: nothing to publish.")
        else:
            lines += [
                f"**Validation FAILED**: the candidate is quarantined at `{publish.path}` and "
                "triggers nothing; the run is marked failed.",
                "",
                *[f"- {f}" for f in publish.failures],
            ]
        return lines

    def _md_evalset(self) -> list[str]:
        """The regression eval set held out of training."""
        evalset, build = self.summary.evalset, self.summary.build
        held = build.excluded.get("eval_holdout", 0)
        lines = ["", "## Regression eval set", ""]
        if evalset.status == "empty":
            lines.append(
                f"No held-out cases yet ({held}): a cluster gives one after "
                "1 / `build.eval_holdout_share` repaired cases."
            )
        elif evalset.status == "unchanged":
            lines.append(f"Unchanged since {evalset.version}: {evalset.rows} held-out cases.")
        else:
            lines.append(
                f"**{evalset.status} {evalset.version}** at `{evalset.path}`: {evalset.rows} "
                "held-out cases, never in a training set (`evaluate-candidate` replays them)."
            )
            lines += [f"- {f}" for f in evalset.failures]
        return lines

    def _md_top_clusters(self) -> list[str]:
        mine = self.summary.mining
        if not mine.top_clusters:
            return []
        lines = [
            "",
            "| top cluster | scene | size | priority | example request |",
            "|---|---|---:|---:|---|",
        ]
        for c in mine.top_clusters[:5]:
            example = self._example(c, 80).replace("|", "\\|")
            lines.append(
                f"| `{c['cluster_id']}` | {_scene(c)} | {c['size']} | {c['priority']} | {example} |"
            )
        return lines

    # -- text (the CLI) ------------------------------------------------------------------

    def to_text(self) -> str:
        """The few lines ``badcase-loop run`` prints after a run (no trailing newline)."""
        s = self.summary
        lines = [f"run {s.run_id}: {s.status}"]
        lines += self._text_ingest()
        lines += self._text_judges()
        lines += self._text_repair()
        lines += self._text_outputs()
        for c in s.mining.top_clusters[:3]:
            lines.append(f"  {_scene(c):<8} {c['size']:>6} cases  {self._example(c, 70)}")
        lines.append(f"warehouse: {s.warehouse}")
        return "\n".join(lines)

    def _text_ingest(self) -> list[str]:
        ing = self.summary.ingest
        lines = [
            f"ingest: {ing.files_new} new, {ing.files_changed} changed, {ing.files_unchanged} "
            f"unchanged files; {ing.records_read} records read = {ing.inserted} inserted + "
            f"{ing.duplicates} duplicates + {ing.quarantined} quarantined",
            f"  interactions: {ing.interactions.inserted} inserted, "
            f"{ing.interactions.duplicates} duplicates, {ing.interactions.quarantined} "
            "quarantined",
            f"  events: {ing.events.inserted} inserted, {ing.events.duplicates} duplicates, "
            f"{ing.events.quarantined} quarantined",
        ]
        if ing.quarantine_reasons:
            lines.append(f"  quarantined by reason: {_pairs(ing.quarantine_reasons)}")
        if ing.files_quarantined:
            lines.append(
                f"  whole files quarantined (empty or unreadable): {ing.files_quarantined}"
            )
        return lines

    def _text_judges(self) -> list[str]:
        s = self.summary
        mine, llm = s.mining, s.llm_judge
        lines = [
            f"signals: {s.signals.signals} over {mine.conversations} conversations; "
            f"rule judges fired {s.judges.fired} times"
        ]
        if llm.ran:
            lines.append(
                f"LLM judge ({llm.model}): {llm.selected} judged, {llm.cached} cached; verdicts "
                f"{_pairs(llm.verdicts)}; {llm.parse_errors} parse errors, "
                f"{sum(llm.call_failures.values())} failed calls; {llm.queued_for_calibration} "
                "sent to people for calibration"
            )
            if llm.budget_notice:
                lines.append(f"  stopped early: {llm.budget_notice}")
        else:
            why = "no LLM configured" if llm.notice and "no LLM" in llm.notice else "disabled"
            lines.append(f"LLM judges: skipped ({why})")
        for key in mine.untrusted_judges:
            lines.append(f"  judge {key} disagrees with people: not counted as sole evidence")
        lines.append(
            f"mining: {mine.bad_cases} bad cases ({mine.near_misses} near misses) in "
            f"{mine.clusters} clusters"
        )
        return lines

    def _text_repair(self) -> list[str]:
        routing, rewrite = self.summary.routing, self.summary.rewrite
        lines = [
            f"routing: {_pairs(routing.by_route, 'none new')}; {routing.queued_for_experts} "
            "queued for experts"
        ]
        if rewrite.llm_ran:
            lines.append(
                f"rewrites: {rewrite.chosen} chosen, {rewrite.rejected} rejected (to experts), "
                f"{rewrite.failed} failed calls"
            )
        if rewrite.expert_repairs or rewrite.expert_no_repair:
            lines.append(
                f"expert repairs collected: {rewrite.expert_repairs}; found acceptable: "
                f"{rewrite.expert_no_repair}"
            )
        return lines

    def _text_outputs(self) -> list[str]:
        build, publish = self.summary.build, self.summary.publish
        lines = [
            f"pairs: {build.new_pairs} new, {build.eligible} eligible; left out: "
            + _pairs(build.excluded)
        ]
        compose = self.summary.compose
        if compose.candidates:
            lines.append(
                f"composition: {compose.kept} of {compose.candidates} kept; left out for the "
                f"next version: {_pairs(compose.deferred)}"
            )
        if publish.status == "published":
            lines.append(
                f"published {publish.version}: {publish.pairs} pairs ({publish.added} added, "
                f"{publish.removed} removed), {publish.kto_rows} KTO rows at {publish.path}"
            )
        elif publish.status == "unchanged":
            lines.append(f"dataset unchanged since {publish.version}: nothing new published")
        elif publish.status == "empty":
            lines.append("dataset: no repaired pairs yet, nothing published")
        ev = self.summary.evalset
        if ev.status in ("published", "unchanged", "quarantined"):
            lines.append(
                f"regression eval set: {ev.status} {ev.version}, {ev.rows} held-out cases "
                f"at {ev.path}"
            )
        else:
            lines.append("regression eval set: no held-out cases yet")
        tr = self.summary.trends
        if tr.path:
            lines.append(
                f"trends: {tr.nights} nights, bad-case rate {tr.bad_case_rate:.2%} on "
                f"{tr.last_night}; clusters {_pairs(tr.clusters, '')}"
            )
            lines.append(f"  charts: {tr.path}/index.html")
        return lines


def render_trends(trends: TrendSummary) -> str:
    """The trends artifact: the last nights, the cluster movement, links to the charts."""
    change = ""
    if trends.previous_rate is not None:
        delta = trends.bad_case_rate - trends.previous_rate
        change = f" ({'+' if delta >= 0 else ''}{delta:.2%} against the night before)"
    lines = [
        f"# Bad-case trends up to {trends.last_night}",
        "",
        f"- bad-case rate on the last night: **{trends.bad_case_rate:.2%}**{change}",
        f"- share of traffic with a negative user signal: {trends.negative_signal_share:.2%}",
        "- clusters: " + ", ".join(f"{k} {v}" for k, v in trends.clusters.items()),
        f"- charts: [index.html]({trends.path}/index.html), "
        + ", ".join(f"[{c}]({trends.path}/{c}.png)" for c in trends.charts),
        "",
        "| night | answers | bad cases | bad-case rate | negative signals |",
        "|---|---:|---:|---:|---:|",
    ]
    for n in trends.table:
        lines.append(
            f"| {n['night']} | {n['interactions']} | {n['bad_cases']} | "
            f"{n['bad_case_rate']:.2%} | {n['negative_signal_share']:.2%} |"
        )
    return "\n".join(lines) + "\n"


def _scene(cluster: dict) -> str:
    """A cluster's scene for display; logs without scenes (an optional field) say so."""
    return cluster.get("scene") or "(no scene)"


def render_audit(estimates: list[dict]) -> str:
    """A markdown table of an audit's estimates (``audit_estimates`` rows), the miner first."""
    if not estimates:
        return ""
    table: dict[str, dict[str, dict]] = {}
    for e in estimates:
        table.setdefault(e["source"], {})[e["metric"]] = e

    def cell(e: dict | None) -> str:
        if e is None or e["value"] is None:
            return "–"
        interval = "" if e["low"] is None else f" [{e['low']:.2f}, {e['high']:.2f}]"
        return f"{e['value']:.2f}{interval} (n={e['labels']})"

    lines = [
        f"Audit `{estimates[0]['audit_id']}`: stratified estimates, 95% intervals.",
        "",
        "| source | precision | recall |",
        "|---|---|---|",
    ]
    for source, metrics in table.items():
        name = "**mined (all evidence)**" if source == "*" else f"`{source}`"
        lines.append(
            f"| {name} | {cell(metrics.get('precision'))} | {cell(metrics.get('recall'))} |"
        )
    bad = table.get("*", {}).get("bad_rate")
    if bad:
        lines += ["", f"Share of all answers that are bad: {cell(bad)}."]
    return "\n".join(lines)
