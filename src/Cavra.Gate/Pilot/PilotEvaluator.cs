using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Security.Cryptography;
using System.Threading;
using Cavra.Gate.Configuration;
using Cavra.Gate.Decisions;
using Cavra.Gate.Json;
using Cavra.Gate.Readiness;
using Cavra.Gate.FileSystem;

namespace Cavra.Gate.Pilot
{
    /// <summary>
    /// Routes actions between the built-in .NET engine (authoritative) and the Go runtime (candidate) exactly as
    /// docs/design/evaluation.md §2 describes, with this project's renames and strictness. One evaluator serves a stream of actions:
    /// the gate, the readiness report and the loaded policy are re-evaluated only when an input file changes (or the
    /// cached gate is older than <see cref="GateMaxAge"/>, so drills still go stale on time), not once per action.
    /// An evaluator belongs to one stream and is not thread-safe; concurrent callers each use their own. Only the runtime
    /// call may run elsewhere: <see cref="Begin"/> on the stream's thread, the runtime and <see cref="Complete"/> on any
    /// (<see cref="PilotStream"/> does this with a bounded number of requests in flight).
    /// </summary>
    public sealed class PilotEvaluator : IDisposable
    {
        public const string DisabledReason = "go backend pilot is disabled";
        public const string ReadinessFailedReason = "go backend readiness check failed";
        public const string RuntimeFailedPrefix = "go runtime failed: ";
        public const string ParityDivergedReason = "go decision diverged from built-in .NET parity gate";

        private readonly GateContext _context;
        private readonly IGoRuntime _runtime;
        private InputStamps? _stamps;
        private GateConfig? _stampedConfig;
        private readonly RandomNumberGenerator _random = RandomNumberGenerator.Create();
        private readonly byte[] _ids = new byte[8 * 64];
        private int _idsUsed = 64;
        private DateTimeOffset _cachedAt;
        private BackendReadinessReport? _readiness;
        private GateVerdict? _verdict;
        private AuthoritativeEngine? _engine;
        private EvaluationInputs? _inputs;

        public PilotEvaluator(GateContext context, IGoRuntime runtime)
        {
            _context = context;
            _runtime = runtime;
        }

        public GateConfig Config => _context.Config;
        /// <summary>How long a cached gate stays trusted when no input file changed.</summary>
        public TimeSpan GateMaxAge { get; set; } = TimeSpan.FromSeconds(30);
        /// <summary>How many times the gate inputs were (re)evaluated; a stream of unchanged inputs keeps this at one.</summary>
        public int GateEvaluations { get; private set; }
        /// <summary>Why the configured policy or registry could not be loaded, or "".</summary>
        public string PolicyProblem => Refresh().Problem;

        /// <summary>Evaluates one action: the built-in decision, the gate, the runtime when the mode calls it, parity, selection.</summary>
        public EvaluationRecord Evaluate(ActionRequest request, CancellationToken cancellationToken = default)
        {
            var pending = Begin(request);
            if (!pending.CallsRuntime) return pending.Record;
            return Complete(pending, _runtime.Evaluate(request, pending.Config, cancellationToken));
        }

        /// <summary>
        /// Steps 0–3 of docs/design/evaluation.md §2 on the caller's thread (this evaluator is not thread-safe): the built-in decision and
        /// the gate. When <see cref="PendingEvaluation.CallsRuntime"/> is false the record is final; otherwise call
        /// <see cref="Runtime"/> with <see cref="PendingEvaluation.Request"/> and <see cref="PendingEvaluation.Config"/>, on
        /// any thread, and pass the answer to <see cref="Complete"/>.
        /// </summary>
        public PendingEvaluation Begin(ActionRequest request)
        {
            long started = Stopwatch.GetTimestamp();
            var config = _context.Config;
            var engine = Refresh();
            var record = new EvaluationRecord(NewId(), _context.Clock.GetUtcNow(), request, config.Mode, engine.Evaluate(request)) { Inputs = _inputs };

            // 1. Disabled: the runtime is never called and nothing is attached.
            if (!config.Enabled)
            {
                record.FallbackReason = DisabledReason;
                return PendingEvaluation.Final(record, config, started);
            }

            // 2. Runtime readiness, in every enabled mode.
            var readiness = _readiness!;
            foreach (var check in readiness.Checks)
            {
                if (!check.Passed && check.Id != "go_backend_opt_in")
                {
                    record.Readiness = readiness;
                    if (config.Mode == BackendMode.Promoted) record.Audit = new PromotionAudit(_verdict!);
                    return PendingEvaluation.Final(Fallback(record, ReadinessFailedReason), config, started);
                }
            }

            // 3. Promoted mode: the full gate in its fixed order; the first failing step returns with every report so far.
            if (config.Mode == BackendMode.Promoted)
            {
                var verdict = _verdict!;
                record.Audit = new PromotionAudit(verdict);
                if (!verdict.GatePassed)
                {
                    AttachReportsThrough(record, verdict);
                    return PendingEvaluation.Final(Fallback(record, verdict.FallbackReason), config, started);
                }
            }
            return new PendingEvaluation(record, readiness, config, started);
        }

        /// <summary>Steps 4–7 with the runtime's answer. Touches only the pending record, so any thread may call it.</summary>
        public static EvaluationRecord Complete(PendingEvaluation pending, GoRuntimeAnswer answer)
        {
            var record = pending.Record;
            try
            {
                if (!pending.CallsRuntime) return record;
                // 4. The candidate. A failure attaches readiness only (docs/design/evaluation.md §2 step 4).
                record.GoDuration = answer.Duration;
                record.GoTransport = answer.Transport;
                if (!answer.Succeeded)
                {
                    record.GoFailure = answer.FailureReason.Length > 0 ? answer.FailureReason : "unknown failure";
                    record.Readiness = pending.Readiness;
                    return Fallback(record, RuntimeFailedPrefix + answer.FailureReason);
                }
                record.GoDecision = answer.Decision;

                // 5. Parity on decision, rule_id and severity; a divergence keeps the built-in decision, in every mode.
                bool match = Same(record.DotnetDecision.Verdict, answer.Decision!, "decision")
                    && Same(record.DotnetDecision.RuleId, answer.Decision!, "rule_id")
                    && Same(record.DotnetDecision.Severity, answer.Decision!, "severity");
                record.ParityMatch = match;
                if (!match) return Fallback(record, ParityDivergedReason);

                // 6. Selection: enforce and promoted use Go; shadow records parity and stays on the built-in engine.
                if (pending.Config.Mode == BackendMode.Enforce || pending.Config.Mode == BackendMode.Promoted) record.SelectedBackend = "go";
                return record;
            }
            finally
            {
                record.Duration = pending.Elapsed;
            }
        }

        /// <summary>Releases the input watch (an inotify descriptor on Linux); the finalizer does it otherwise.</summary>
        public void Dispose() => _stamps?.Dispose();

        /// <summary>The candidate backend this evaluator calls.</summary>
        public IGoRuntime Runtime => _runtime;

        private static EvaluationRecord Fallback(EvaluationRecord record, string reason)
        {
            record.FallbackUsed = true;
            record.FallbackReason = reason;
            return record;
        }

        private static bool Same(string dotnetValue, JsonObject go, string key) => go.Get(key) is JsonString s && s.Value == dotnetValue;

        private static void AttachReportsThrough(EvaluationRecord record, GateVerdict verdict)
        {
            record.Readiness = verdict.Runtime;
            record.PromotionReadiness = verdict.Promotion;
            if (verdict.FailedStep == GateStep.Promotion) return;
            record.RollbackReadiness = verdict.Rollback;
            if (verdict.FailedStep == GateStep.Rollback) return;
            record.RollbackRehearsal = verdict.RollbackRehearsal;
            if (verdict.FailedStep == GateStep.RollbackRehearsal) return;
            record.RollbackDrillHistory = verdict.RollbackDrillHistory;
            if (verdict.FailedStep == GateStep.RollbackDrillHistory) return;
            record.RollbackDrillSchedule = verdict.RollbackDrillSchedule;
        }

        /// <summary>Re-evaluates the gate and reloads the policy when any input changed; returns the authoritative engine.</summary>
        private AuthoritativeEngine Refresh()
        {
            var config = _context.Config;
            var now = _context.Clock.GetUtcNow();
            // One look at the inputs per action (an inotify read, or a stat each): a file changed between two actions is seen by the second (fail closed).
            if (_stamps == null || !ReferenceEquals(_stampedConfig, config))
            {
                _stamps?.Dispose();
                _stamps = new InputStamps(InputPaths(config), _context.Files);
                _stampedConfig = config;
            }
            bool changed = _stamps.Look();
            if (_engine != null && !changed && now - _cachedAt < GateMaxAge && now >= _cachedAt) return _engine;

            _engine = AuthoritativeEngine.Load(_context.Files, config.PolicyPath, config.RegistryPath, _context.Clock);
            if (config.Mode == BackendMode.Promoted)
            {
                _verdict = GateVerdict.Evaluate(_context);
                _readiness = _verdict.Runtime;
            }
            else
            {
                _verdict = null;
                _readiness = config.Enabled ? BackendReadinessReport.Evaluate(_context) : null;
            }
            // Hashed here, once per change of inputs (and cached by size and time across pipelines), never per action.
            _inputs = config.Enabled ? EvaluationInputs.Hash(config, _context.Files) : null;
            _cachedAt = now;
            GateEvaluations++;
            if (_runtime is IGateInputsObserver observer) observer.GateInputsRefreshed(config, _context.Files);
            return _engine;
        }

        private static IEnumerable<string> InputPaths(GateConfig c)
        {
            yield return c.RuntimePath;
            yield return c.PolicyPath;
            yield return c.RegistryPath;
            if (c.Mode != BackendMode.Promoted) yield break;
            yield return c.PackageDir;
            var deployment = Evidence.DeploymentMetadataPaths.From(c);
            yield return deployment.EndpointDeployment ?? "";
            yield return deployment.CiRunnerBundles ?? "";
            yield return deployment.ChannelManifest ?? "";
            yield return deployment.UpdaterPolicy ?? "";
            yield return c.PromotionEvidencePath;
            yield return c.RollbackPlanPath;
            yield return c.RollbackRehearsalPath;
            yield return c.RollbackDrillHistoryPath;
            yield return c.RollbackDrillSchedulePath;
            // A failed delivery appended to the ledger closes the gate at the next action (docs/design/notifications.md §9).
            if (!c.NotificationsConfigured) yield break;
            yield return c.ConnectorConfigPath;
            yield return c.NotificationLedgerPath;
        }

        /// <summary>"eval_" and 8 random bytes in hex; the random bytes are drawn 64 ids at a time (one call, not one per action).</summary>
        private string NewId()
        {
            if (_idsUsed == 64) { _random.GetBytes(_ids); _idsUsed = 0; }
            var bytes = new byte[8];
            Buffer.BlockCopy(_ids, 8 * _idsUsed++, bytes, 0, 8);
            return "eval_" + InputFiles.ToHex(bytes);
        }
    }

    /// <summary>
    /// The gate's input files, resolved once per evaluator, and what the last look at each saw: kind, size and modification
    /// time, as <see cref="InputFiles.Fingerprint"/> describes a file. On Linux an <see cref="InputWatch"/> stands in for
    /// the stats: a look is one non-blocking read of the inotify queue, and only inputs the watch cannot cover (behind a
    /// symbolic link, say) are stat-ed; after any event every input is stat-ed again and the watch is rebuilt. Elsewhere
    /// a look is one stat per input and no allocation for a file. Either way the evaluator can afford it for every action.
    /// </summary>
    internal sealed class InputStamps : IDisposable
    {
        private const long NotConfigured = -1, Missing = -2, Failed = -3, IsDirectory = -4;
        private readonly string[] _paths;   // "" when the input is not configured
        private readonly FileInfo?[] _infos;
        private readonly long[] _stamps;    // size (or a kind above) and modification ticks, two per input
        private bool _useWatch;
        private InputWatch? _watch;
        private bool _looked;

        public InputStamps(IEnumerable<string> paths, InputFiles files, bool watch = true)
        {
            var resolved = new List<string>();
            foreach (var path in paths) resolved.Add(string.IsNullOrEmpty(path) ? "" : files.Resolve(path));
            _paths = resolved.ToArray();
            _infos = new FileInfo?[_paths.Length];
            _stamps = new long[2 * _paths.Length];
            _useWatch = watch;
        }

        /// <summary>True while an inotify watch covers at least part of the inputs (Linux).</summary>
        public bool Watched => _watch != null;

        /// <summary>Looks at every input again; true when anything differs from the last look (the first look counts as a change).</summary>
        public bool Look()
        {
            bool changed = false;
            if (_watch != null)
            {
                if (!_watch.Changed())
                {
                    foreach (int i in _watch.Unwatched) changed |= LookAt(i);
                    return changed;
                }
                changed = true; // an event is a change even when size and time came out the same
            }
            bool first = !_looked;
            changed |= first;
            _looked = true;
            // From the second look on: an evaluator used for one action (the HTTP API's) never holds an inotify instance.
            if (_useWatch && !first)
            {
                // The watches first, then the stats: a change between the two is an event at the next look.
                _watch?.Dispose();
                _watch = InputWatch.TryCreate(_paths);
                if (_watch == null) _useWatch = false; // not Linux, or no inotify instance left: stat every input from now on
            }
            for (int i = 0; i < _paths.Length; i++) changed |= LookAt(i);
            return changed;
        }

        public void Dispose()
        {
            _watch?.Dispose();
            _watch = null;
        }

        private bool LookAt(int i)
        {
            Stamp(i, out long size, out long ticks);
            bool changed = _stamps[2 * i] != size || _stamps[2 * i + 1] != ticks;
            _stamps[2 * i] = size;
            _stamps[2 * i + 1] = ticks;
            return changed;
        }

        private void Stamp(int i, out long size, out long ticks)
        {
            size = NotConfigured;
            ticks = 0;
            string full = _paths[i];
            if (full.Length == 0) return;
            try
            {
                var info = _infos[i];
                if (info == null) _infos[i] = info = new FileInfo(full);
                else info.Refresh();
                if (info.Exists) { size = info.Length; ticks = info.LastWriteTimeUtc.Ticks; return; }
                var dir = new DirectoryInfo(full);
                if (dir.Exists) { size = IsDirectory; ticks = dir.LastWriteTimeUtc.Ticks; }
                else size = Missing;
            }
            catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException || ex is ArgumentException || ex is NotSupportedException)
            {
                _infos[i] = null;
                size = Failed;
            }
        }
    }

    /// <summary>An evaluation between <see cref="PilotEvaluator.Begin"/> and <see cref="PilotEvaluator.Complete"/>.</summary>
    public sealed class PendingEvaluation
    {
        private readonly long _started;

        internal PendingEvaluation(EvaluationRecord record, BackendReadinessReport? readiness, GateConfig config, long started)
        {
            Record = record;
            Readiness = readiness;
            Config = config;
            CallsRuntime = true;
            _started = started;
        }

        internal static PendingEvaluation Final(EvaluationRecord record, GateConfig config, long started)
        {
            var p = new PendingEvaluation(record, null, config, started) { CallsRuntime = false };
            record.Duration = p.Elapsed;
            return p;
        }

        /// <summary>The record so far; final when <see cref="CallsRuntime"/> is false.</summary>
        public EvaluationRecord Record { get; }
        public ActionRequest Request => Record.Request;
        public GateConfig Config { get; }
        /// <summary>True when the mode and gate call the runtime for this action.</summary>
        public bool CallsRuntime { get; private set; }
        internal BackendReadinessReport? Readiness { get; }
        internal TimeSpan Elapsed => TimeSpan.FromTicks((long)((Stopwatch.GetTimestamp() - _started) * ((double)TimeSpan.TicksPerSecond / Stopwatch.Frequency)));
    }
}
