"""simulate: serve the SIMULATED respondent (OpenAI-compatible, no GPU) on 127.0.0.1."""

from __future__ import annotations

import asyncio
from pathlib import Path

from valuegap_tui.cli._common import COUNT, PORT, SECONDS, SEED, SHARE, CliError, add_command, number, whole
from valuegap_tui.paths import DEFAULT_STUDY

ORDER = 85


def register(commands) -> None:
    parser = add_command(
        commands, "simulate", cmd_simulate, "serve a SIMULATED respondent (OpenAI-compatible, no GPU)",
        description="Start a simulated OpenAI-compatible server on 127.0.0.1 for trying and testing the tool\n"
        "without a GPU. Its answers come from a planted, seeded behaviour model (a persona-dependent\n"
        "endorsement of each value, a value-action gap, a position bias), not from a language model.\n"
        "It knows the labels of the study's dilemmas (--study) and of the dilemmas it writes itself.\n"
        "Planted parameters: GET /simulator/params. Counters: GET /simulator/stats. See docs/simulator.md.",
    )
    parser.add_argument("--port", type=PORT, default=8000, help="port on 127.0.0.1 (default 8000; 0 = any free)")
    parser.add_argument("--seed", type=SEED, default=0, help="behaviour seed (default 0)")
    parser.add_argument("--model", default=None, help="model name served (default simulated-respondent)")
    parser.add_argument("--latency-ms", type=number(0.0, 3_600_000.0), default=0.0, help="time to answer each request")
    parser.add_argument("--latency-jitter", type=SHARE, default=0.0, help="relative latency jitter, 0..1")
    parser.add_argument("--capacity", type=COUNT, default=1024, help="requests served at once; more queue")
    for fault, what in (("429", "429 Too Many Requests (with retry-after)"), ("500", "500 server errors"),
                        ("timeout", "hangs longer than a client timeout"), ("malformed", "malformed content")):
        parser.add_argument(f"--fault-{fault}", type=SHARE, default=0.0, metavar="P", help=f"share of {what}")
    parser.add_argument("--retry-after", type=SECONDS, default=0.0, metavar="S", help="retry-after seconds sent with 429")
    parser.add_argument("--gap", type=SHARE, default=None, metavar="P", help="planted gap probability")
    parser.add_argument("--position-bias", default=None, metavar="A,B,C,D,E,F", help="planted letter boosts")
    parser.add_argument("--reasoning-tokens", type=whole(0, 1_000_000), default=None, metavar="N",
                        help="act as a reasoning model: N tokens of reasoning before each answer")
    parser.add_argument("--refusal-rate", type=SHARE, default=None, metavar="P", help="share of refusals in text mode")
    parser.add_argument("--judge-noise", type=number(0.0, 100.0), default=None, metavar="SD",
                        help="label check rankings: Gaussian noise on each action's rank, in label steps")
    parser.add_argument("--protocol-effect", action="append", default=[], metavar="PROTOCOL:NAME=VALUE,...",
                        help="plant an effect of one way of asking, e.g. paraphrase-1:action_shift=0.3 or"
                             " abstain:abstain=0.2 (names: action_shift, value_shift, abstain, personas_only;"
                             " repeat for more protocols; docs/simulator.md)")
    parser.add_argument("--batch", nargs=2, type=Path, default=None, metavar=("IN", "OUT"),
                        help="answer the batch request file IN offline into OUT, in its target's result shape"
                             " (no server; see run export-batch)")
    parser.add_argument("--target", choices=("openai", "anthropic", "vllm"), default=None,
                        help="with --batch: the shape of IN and OUT (default: read from IN's lines)")
    parser.add_argument("--expire", type=SHARE, default=0.0, metavar="P",
                        help="with --batch: leave this share of the requests expired, unanswered")


def _params(args):
    from valuegap_tui.simulator import SimulatorParams

    fields = dict(seed=args.seed, latency_ms=args.latency_ms, latency_jitter=args.latency_jitter,
                  capacity=args.capacity, fault_429=args.fault_429, fault_500=args.fault_500,
                  fault_timeout=args.fault_timeout, fault_malformed=args.fault_malformed,
                  retry_after_s=args.retry_after)
    if args.model:
        fields["model_name"] = args.model
    if args.gap is not None:
        fields["gap_probability"] = args.gap
    if args.reasoning_tokens is not None:
        fields["reasoning_tokens"] = args.reasoning_tokens
    if args.refusal_rate is not None:
        fields["refusal_rate"] = args.refusal_rate
    if args.judge_noise is not None:
        fields["judge_noise_sd"] = args.judge_noise
    if args.position_bias:
        try:
            bias = tuple(float(x) for x in args.position_bias.split(","))
        except ValueError:
            raise CliError("--position-bias takes six numbers separated by commas") from None
        fields["position_bias"] = bias
    if args.protocol_effect:
        fields["protocol_effects"] = dict(_protocol_effect(text) for text in args.protocol_effect)
    faults = [args.fault_429, args.fault_500, args.fault_timeout, args.fault_malformed]
    if any(not 0 <= f <= 1 for f in faults) or sum(faults) > 1:
        raise CliError("fault shares must each be in 0..1 and add up to at most 1")
    if args.capacity < 1:
        raise CliError("--capacity must be at least 1")
    try:
        return SimulatorParams(**fields)
    except ValueError as exc:
        raise CliError(f"invalid simulator setting: {exc}") from None


def _protocol_effect(text: str):
    """``PROTOCOL:NAME=VALUE,...`` as (protocol id, ProtocolEffect); a one-line CliError otherwise."""
    from pydantic import ValidationError

    from valuegap_tui.protocols import PROTOCOL_IDS
    from valuegap_tui.simulator.params import ProtocolEffect

    protocol, sep, rest = text.partition(":")
    pairs = [part.partition("=") for part in rest.split(",")] if sep else []
    if not pairs or any(not eq or not name.strip() for name, eq, _ in pairs):
        raise CliError(f"--protocol-effect {text!r}: write PROTOCOL:NAME=VALUE,... "
                       "(e.g. paraphrase-1:action_shift=0.3)")
    if protocol.strip() not in PROTOCOL_IDS:
        raise CliError(f"--protocol-effect {text!r}: unknown protocol {protocol.strip()!r} "
                       f"(known: {', '.join(PROTOCOL_IDS)})")
    values = {name.strip(): value.strip() for name, _eq, value in pairs}
    unknown = sorted(set(values) - set(ProtocolEffect.model_fields))
    if unknown:
        raise CliError(f"--protocol-effect {text!r}: unknown effect {unknown[0]!r} "
                       f"(known: {', '.join(ProtocolEffect.model_fields)})")
    try:
        return protocol.strip(), ProtocolEffect(**values)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"])
        raise CliError(f"--protocol-effect {text!r}: {where}: {first['msg']}") from None


def cmd_simulate(args) -> int:
    from valuegap_tui.simulator import BANNER, serve_forever

    params = _params(args)
    study_path = args.study if args.study and args.study.exists() else None
    if study_path is None and args.study and str(args.study) != str(DEFAULT_STUDY):
        raise CliError(f"{args.study}: no such study file")
    if args.batch:
        return _answer_batch(args, params, study_path)

    def announce(port: int, simulator) -> None:
        print(BANNER)
        print(f"  base URL   http://127.0.0.1:{port}/v1   model {params.model_name}")
        print(f"  knows      {len(simulator.by_scenario)} dilemmas" + (f" from {study_path}" if study_path else ""))
        if not simulator.by_scenario:
            print("  WARNING    it knows no dilemma's labels: an action question about a dilemma it did not write\n"
                  "             is answered at random, so alignment rates come out near 0.5 and mean nothing.\n"
                  "             Start it with --study STUDY to answer that study's dilemmas by their labels.")
        print(f"  latency    {params.latency_ms:g} ms, capacity {params.capacity} in flight")
        print(f"  faults     429 {params.fault_429:g}, 500 {params.fault_500:g}, timeout {params.fault_timeout:g}, "
              f"malformed {params.fault_malformed:g}")
        for protocol, effect in params.protocol_effects.items():
            print(f"  protocol   {protocol}: " + ", ".join(f"{k} {v:g}" if not isinstance(v, bool) else k
                                                       for k, v in effect.model_dump().items() if v))
        print(f"  planted    http://127.0.0.1:{port}/simulator/params   (Ctrl+C stops)", flush=True)

    try:
        asyncio.run(serve_forever(params, study_path, args.port, announce=announce))
    except KeyboardInterrupt:
        print("simulated server stopped")
    except OSError as exc:
        raise CliError(f"cannot serve on 127.0.0.1:{args.port}: {exc}") from None
    return 0


def _answer_batch(args, params, study_path) -> int:
    from valuegap_tui.evaluate.batch import BatchError
    from valuegap_tui.simulator.batch import answer_batch

    source, out = args.batch
    try:
        counts = answer_batch(source, out, params, study_path=study_path, target=args.target, expire=args.expire)
    except BatchError as exc:
        raise CliError(str(exc), exit_code=2) from None
    except OSError as exc:
        raise CliError(f"{exc.filename or source}: {exc.strerror or exc}") from None
    print(f"SIMULATED answers (a planted model, not a language model) to {sum(counts.values())} requests of {source}"
          f" written to {out}: " + ", ".join(f"{kind} {n}" for kind, n in sorted(counts.items())))
    return 0
