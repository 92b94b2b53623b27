using System;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Management.Automation;
using System.Threading;
using Cavra.Gate.Decisions;
using Cavra.Gate.Json;
using Cavra.Gate.Pilot;
using Cavra.Gate.Runtime;
using Cavra.PowerShell.Completion;
using Cavra.PowerShell.Infrastructure;
using Cavra.Gate.FileSystem;

namespace Cavra.PowerShell.Commands
{
    /// <summary>
    /// Evaluates agent actions through the pilot in the configured mode: the built-in .NET engine decides, the Go
    /// runtime is shadowed, enforced or promoted as configured, and every fallback is recorded with its reason.
    /// With -Transport Daemon the runtime is a daemon: the session's (Start-CavraGoRuntimeDaemon) when one serves the same
    /// inputs, else one this pipeline starts on first use and stops when it ends, fails or is stopped.
    /// </summary>
    [Cmdlet(VerbsLifecycle.Invoke, "CavraGoPilotEvaluate")]
    [OutputType(typeof(EvaluationRecord))]
    [OutputType(typeof(string))]
    public sealed class InvokeCavraGoPilotEvaluateCommand : GateConfigurationCmdlet, IDisposable
    {
        private PilotEvaluator? _pilot;
        private PilotStream? _stream;
        private GoRuntimeDaemon? _ownedDaemon;
        private readonly ConcurrentQueue<string> _narration = new ConcurrentQueue<string>();
        private AuditJournal? _journal;
        private readonly CancellationTokenSource _stop = new CancellationTokenSource();
        private readonly Stopwatch _progressClock = new Stopwatch();
        private readonly Stopwatch _elapsed = new Stopwatch();
        private OneShotRoutes? _routedOneShot; // with the daemon transport only
        private int _count;
        private int _fallbacks;
        private bool _progressShown;

        [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
        [Alias("action_type")]
        [ArgumentCompleter(typeof(ActionTypeCompleter))]
        [AllowEmptyString]
        public string ActionType { get; set; } = "";

        [Parameter(Position = 1, ValueFromPipelineByPropertyName = true)]
        [AllowEmptyString]
        public string Target { get; set; } = "";

        [Parameter(ValueFromPipelineByPropertyName = true)] public string Operation { get; set; } = "";
        [Parameter(ValueFromPipelineByPropertyName = true)] [Alias("requested_operation")] public string RequestedOperation { get; set; } = "";
        [Parameter(ValueFromPipelineByPropertyName = true)] public string Server { get; set; } = "";
        [Parameter(ValueFromPipelineByPropertyName = true)] public string Tool { get; set; } = "";
        [Parameter(ValueFromPipelineByPropertyName = true)] public string Capability { get; set; } = "";

        [Parameter(ValueFromPipelineByPropertyName = true)]
        [Alias("policy_pack")]
        [ArgumentCompleter(typeof(PolicyPackCompleter))]
        public string PolicyPack { get; set; } = "";

        [Parameter(ValueFromPipelineByPropertyName = true)] [Alias("session_id")] public string SessionId { get; set; } = "";
        [Parameter(ValueFromPipelineByPropertyName = true)] [Alias("agent_id")] public string AgentId { get; set; } = "";
        [Parameter(ValueFromPipelineByPropertyName = true)] public string Actor { get; set; } = "";

        /// <summary>A release governance record (hashtable, object or JSON text) for action type release_governance_record.</summary>
        [Parameter(ValueFromPipelineByPropertyName = true)] public object? Record { get; set; }

        /// <summary>The typed release governance contract (daemon EvaluateRequest form).</summary>
        [Parameter(ValueFromPipelineByPropertyName = true)] [Alias("release_governance")] public object? ReleaseGovernance { get; set; }

        /// <summary>Append one hash-chained JSON line per evaluation to this shadow journal (Get-CavraGoPilotJournal reads it,
        /// Measure-CavraGoParity measures it). Lines are committed in groups every quarter second and when the pipeline ends.</summary>
        [Parameter] public string JournalPath { get; set; } = "";

        /// <summary>Emit each evaluation record as canonical JSON text.</summary>
        [Parameter] public SwitchParameter AsJson { get; set; }

        /// <summary>OneShot (a process per action) or Daemon (a Unix-socket daemon). Overrides CAVRA_GO_RUNTIME_TRANSPORT.</summary>
        [Parameter] public GoRuntimeTransport Transport { get => (GoRuntimeTransport)_transport; set => _transport = (int)value; }
        private int _transport; // an int, not the enum: see GateConfigurationCmdlet.Mode

        /// <summary>With the daemon transport, how many runtime requests may be in flight at once; output keeps input order.</summary>
        [Parameter] [ValidateRange(1, 64)] public int ThrottleLimit { get; set; } = 4;

        protected override void BeginProcessing()
        {
            // One configuration and one evaluator per pipeline: the gate is re-evaluated only when an input changes.
            var config = ResolveConfig();
            var context = CreateContext(config);
            var oneShot = new OneShotRuntimeClient(context.Files);
            oneShot.Diagnostics += _narration.Enqueue; // the runtime's stderr: -Verbose only, never in the record
            IGoRuntime runtime = oneShot;
            bool daemon = false;
            var transport = GoRuntimeTransportSetting.Resolve(
                MyInvocation.BoundParameters.ContainsKey(nameof(Transport)) ? Transport : (GoRuntimeTransport?)null,
                Environment.GetEnvironmentVariable(GoRuntimeTransportSetting.Variable), out var source, out var note);
            if (note != null) WriteWarning(note);
            if (source != "default") WriteVerbose($"Transport = {transport} (from {source})");
            if (transport == GoRuntimeTransport.Daemon && config.Enabled)
            {
                if (!UnixSocket.IsSupported)
                    WriteWarning($"The daemon transport is not available here: {UnixSocket.UnsupportedReason}. Each action runs the runtime one-shot.");
                else
                {
                    runtime = DaemonClient(config, context.Files, oneShot);
                    daemon = true;
                }
            }
            _pilot = new PilotEvaluator(context, runtime);
            _stream = new PilotStream(_pilot, daemon ? ThrottleLimit : 1, _stop.Token);
            if (_pilot.PolicyProblem.Length > 0)
                WriteWarning("Every decision fails closed: " + _pilot.PolicyProblem);
            if (MyInvocation.BoundParameters.ContainsKey(nameof(JournalPath)))
                _journal = new AuditJournal(FileSystemPaths.Resolve(this, JournalPath));
            _progressClock.Start();
            _elapsed.Start();
        }

        private DaemonRuntimeClient DaemonClient(Cavra.Gate.Configuration.GateConfig config, InputFiles files, OneShotRuntimeClient oneShot)
        {
            var options = GoRuntimeDaemonOptions.From(config, files);
            var daemon = SessionDaemons.Find(options);
            if (daemon != null)
                WriteVerbose($"Using the session's cavra-runtime daemon on {daemon.SocketPath}.");
            else
            {
                // Owned by this pipeline: started on the first action that needs it, stopped when the pipeline ends.
                daemon = _ownedDaemon = GoRuntimeDaemon.Create(options);
                daemon.Narration += _narration.Enqueue;
            }
            var client = new DaemonRuntimeClient(daemon, oneShot);
            _routedOneShot = new OneShotRoutes();
            client.RoutedOneShot += (request, why) =>
            {
                _routedOneShot.Add(why);
                _narration.Enqueue($"{request.ActionType} '{request.Target}' goes one-shot: {why}");
            };
            return client;
        }

        protected override void ProcessRecord()
        {
            Narrate();
            if (!TryBuildRequest(out var request)) return;
            var stream = _stream!;
            stream.Submit(request);
            while (stream.TryTake(out var done)) Emit(done);
            while (stream.Pending >= stream.Window) Emit(stream.Take());
        }

        protected override void EndProcessing()
        {
            var stream = _stream!;
            while (stream.Pending > 0) Emit(stream.Take());
            CloseJournal();
            StopOwnedDaemon();
            Narrate();
            if (_routedOneShot != null) WriteVerbose(_routedOneShot.Summary(_count));
            if (_progressShown) WriteProgress(new ProgressRecord(ProgressId, ProgressActivity, ProgressText()) { RecordType = ProgressRecordType.Completed });
        }

        protected override void StopProcessing()
        {
            _stop.Cancel();
            StopOwnedDaemon();
        }

        public void Dispose()
        {
            _stream?.Dispose();
            _pilot?.Dispose();
            StopOwnedDaemon();
            // A pipeline that failed or was stopped still commits the lines of the records it emitted (best effort).
            _journal?.Dispose();
        }

        private void CloseJournal()
        {
            if (_journal == null) return;
            try
            {
                _journal.Close();
                WriteVerbose($"Journal {_journal.Path}: {_journal.LinesWritten} lines committed ({_journal.BytesWritten} bytes).");
            }
            catch (Exception ex) when (ex is System.IO.IOException || ex is UnauthorizedAccessException || ex is TimeoutException)
            {
                ThrowTerminatingError(new ErrorRecord(ex, "JournalWriteFailed", ErrorCategory.WriteError, _journal.Path));
            }
        }

        private void StopOwnedDaemon() => _ownedDaemon?.Stop();

        private void Narrate()
        {
            while (_narration.TryDequeue(out var message)) WriteVerbose(message);
        }

        private void Emit(EvaluationRecord record)
        {
            Narrate();
            var request = record.Request;
            if (record.FallbackUsed) { _fallbacks++; WriteVerbose($"{request.ActionType} '{request.Target}': {record.FallbackReason}"); }
            if (_journal != null)
            {
                try { _journal.Append(record); }
                catch (Exception ex) when (ex is System.IO.IOException || ex is UnauthorizedAccessException || ex is TimeoutException)
                {
                    ThrowTerminatingError(new ErrorRecord(ex, "JournalWriteFailed", ErrorCategory.WriteError, _journal.Path));
                }
            }
            WriteObject(AsJson ? (object)CanonicalJsonOutput.Of(record) : record);
            ReportProgress();
        }

        private bool TryBuildRequest(out ActionRequest request)
        {
            request = new ActionRequest
            {
                ActionType = ActionType ?? "", Target = Target ?? "", Operation = Operation ?? "", RequestedOperation = RequestedOperation ?? "",
                Server = Server ?? "", Tool = Tool ?? "", Capability = Capability ?? "", PolicyPack = PolicyPack ?? "",
                SessionId = SessionId ?? "", AgentId = AgentId ?? "", Actor = Actor ?? "",
            };
            if (!JsonFromPowerShell.TryConvertObject(Record, out var record, out var error))
            {
                WriteError(new ErrorRecord(new ArgumentException("-Record " + error), "InvalidRecord", ErrorCategory.InvalidArgument, Record));
                return false;
            }
            if (!JsonFromPowerShell.TryConvertObject(ReleaseGovernance, out var typed, out error))
            {
                WriteError(new ErrorRecord(new ArgumentException("-ReleaseGovernance " + error), "InvalidReleaseGovernance", ErrorCategory.InvalidArgument, ReleaseGovernance));
                return false;
            }
            request.Record = record;
            request.ReleaseGovernance = typed;
            return true;
        }

        private const int ProgressId = 1;
        private const string ProgressActivity = "Evaluating agent actions";

        /// <summary>Progress for a pipeline that runs longer than half a second, at most four times a second (WriteProgress
        /// is not free), with the count, the rate and the fallbacks so far. Pipeline input has no known length, so there is
        /// no percentage. Never with -AsJson: that output is for scripts (docs/design/admin-views.md, "Progress").</summary>
        private void ReportProgress()
        {
            _count++;
            if (AsJson || _elapsed.ElapsedMilliseconds < 500 || _progressClock.ElapsedMilliseconds < 250) return;
            _progressClock.Restart();
            _progressShown = true;
            WriteProgress(new ProgressRecord(ProgressId, ProgressActivity, ProgressText()) { PercentComplete = -1 });
        }

        private string ProgressText()
        {
            double seconds = Math.Max(_elapsed.Elapsed.TotalSeconds, 0.001);
            return string.Format(System.Globalization.CultureInfo.InvariantCulture, "{0:N0} evaluated ({1:N0} per second), {2:N0} fell back to the built-in decision",
                _count, _count / seconds, _fallbacks);
        }
    }
}
