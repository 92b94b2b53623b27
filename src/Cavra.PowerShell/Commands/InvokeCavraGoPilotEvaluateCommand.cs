using System;
using System.Diagnostics;
using System.Management.Automation;
using System.Threading;
using Cavra.Gate.Decisions;
using Cavra.Gate.Json;
using Cavra.Gate.Pilot;
using Cavra.Gate.Runtime;
using Cavra.PowerShell.Completion;
using Cavra.PowerShell.Infrastructure;

namespace Cavra.PowerShell.Commands
{
    /// <summary>
    /// Evaluates agent actions through the pilot in the configured mode: the built-in .NET engine decides, the Go
    /// runtime is shadowed, enforced or promoted as configured, and every fallback is recorded with its reason.
    /// </summary>
    [Cmdlet(VerbsLifecycle.Invoke, "CavraGoPilotEvaluate")]
    [OutputType(typeof(EvaluationRecord))]
    [OutputType(typeof(string))]
    public sealed class InvokeCavraGoPilotEvaluateCommand : GateConfigurationCmdlet
    {
        private PilotEvaluator? _pilot;
        private AuditJournal? _journal;
        private readonly CancellationTokenSource _stop = new CancellationTokenSource();
        private readonly Stopwatch _progressClock = new Stopwatch();
        private int _count;

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

        /// <summary>Append one JSON line per evaluation to this file, for audit replay.</summary>
        [Parameter] public string JournalPath { get; set; } = "";

        /// <summary>Emit each evaluation record as canonical JSON text.</summary>
        [Parameter] public SwitchParameter AsJson { get; set; }

        protected override void BeginProcessing()
        {
            // One configuration and one evaluator per pipeline: the gate is re-evaluated only when an input changes.
            var config = ResolveConfig();
            var context = CreateContext(config);
            _pilot = new PilotEvaluator(context, new OneShotRuntimeClient(context.Files));
            if (_pilot.PolicyProblem.Length > 0)
                WriteWarning("Every decision fails closed: " + _pilot.PolicyProblem);
            if (MyInvocation.BoundParameters.ContainsKey(nameof(JournalPath)))
                _journal = new AuditJournal(SessionState.Path.GetUnresolvedProviderPathFromPSPath(JournalPath));
            _progressClock.Start();
        }

        protected override void ProcessRecord()
        {
            if (!TryBuildRequest(out var request)) return;
            var record = _pilot!.Evaluate(request, _stop.Token);
            if (record.FallbackUsed) WriteVerbose($"{request.ActionType} '{request.Target}': {record.FallbackReason}");
            if (_journal != null)
            {
                try { _journal.Append(record); }
                catch (Exception ex) when (ex is System.IO.IOException || ex is UnauthorizedAccessException)
                {
                    ThrowTerminatingError(new ErrorRecord(ex, "JournalWriteFailed", ErrorCategory.WriteError, _journal.Path));
                }
            }
            WriteObject(AsJson ? (object)CanonicalJsonOutput.Of(record) : record);
            ReportProgress();
        }

        protected override void EndProcessing()
        {
            if (_count > 1) WriteProgress(new ProgressRecord(1, "Evaluating agent actions", $"{_count} evaluated") { RecordType = ProgressRecordType.Completed });
        }

        protected override void StopProcessing() => _stop.Cancel();

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

        private void ReportProgress()
        {
            _count++;
            // Progress only for streams, and at most a few times a second: WriteProgress is not free.
            if (_count < 2 || _progressClock.ElapsedMilliseconds < 250) return;
            _progressClock.Restart();
            WriteProgress(new ProgressRecord(1, "Evaluating agent actions", $"{_count} evaluated") { PercentComplete = -1 });
        }
    }
}
