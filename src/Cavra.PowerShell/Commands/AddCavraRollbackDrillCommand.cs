using System;
using System.Management.Automation;
using Cavra.Gate.Authoring;
using Cavra.Gate.Configuration;
using Cavra.Gate.Json;
using Cavra.PowerShell.Infrastructure;

namespace Cavra.PowerShell.Commands
{
    /// <summary>Appends rollback drills to a cavra.go-backend-rollback-drill-history.v1 file (created when absent), under a
    /// cross-process lock, and returns each drill with the history the gate now sees.</summary>
    [Cmdlet(VerbsCommon.Add, "CavraRollbackDrill", SupportsShouldProcess = true)]
    [OutputType(typeof(RecordedDrill))]
    public sealed class AddCavraRollbackDrillCommand : PSCmdlet
    {
        [Parameter(Mandatory = true, Position = 0)] [ValidateNotNullOrEmpty] public string Path { get; set; } = "";

        [Parameter(ValueFromPipelineByPropertyName = true)] [Alias("drill_id")] [ValidateNotNullOrEmpty] public string DrillId { get; set; } = "";
        [Parameter(ValueFromPipelineByPropertyName = true)] [Alias("executed_at")] public DateTimeOffset ExecutedAt { get; set; }
        [Parameter(Mandatory = true, ValueFromPipelineByPropertyName = true)] [ValidateSet("pass", "fail")] public string Status { get; set; } = "";
        [Parameter(ValueFromPipelineByPropertyName = true)] [Alias("target_mode")] [ValidateSet("disabled", "shadow", "enforce", "promoted")] public string TargetMode { get; set; } = "disabled";
        [Parameter(ValueFromPipelineByPropertyName = true)] [Alias("source_mode")] [ValidateSet("disabled", "shadow", "enforce", "promoted")] public string SourceMode { get; set; } = "promoted";
        [Parameter(ValueFromPipelineByPropertyName = true)] [Alias("fallback_verified")] public SwitchParameter FallbackVerified { get; set; }
        [Parameter(Mandatory = true, ValueFromPipelineByPropertyName = true)] [Alias("recovery_minutes")] [ValidateRange(0.001, 100000)] public double RecoveryMinutes { get; set; }
        [Parameter(Mandatory = true, ValueFromPipelineByPropertyName = true)] [Alias("max_recovery_minutes")] [ValidateRange(0.001, 100000)] public double MaxRecoveryMinutes { get; set; }
        [Parameter(Mandatory = true, ValueFromPipelineByPropertyName = true)] [Alias("runbook_ref")] [ValidateNotNullOrEmpty] public string RunbookRef { get; set; } = "";
        [Parameter(Mandatory = true, ValueFromPipelineByPropertyName = true)] [Alias("evidence_refs")] [ValidateNotNullOrEmpty] public string[] EvidenceRef { get; set; } = Array.Empty<string>();
        [Parameter(ValueFromPipelineByPropertyName = true)] [ValidateNotNullOrEmpty] public string Actor { get; set; } = "";
        /// <summary>The environment recorded on a new history file (e.g. production-pilot).</summary>
        [Parameter] [ValidateNotNullOrEmpty] public string Environment { get; set; } = "";

        protected override void ProcessRecord()
        {
            string path = SessionState.Path.GetUnresolvedProviderPathFromPSPath(Path);
            var clock = ModuleClock.Current;
            var bound = MyInvocation.BoundParameters;
            var executedAt = bound.ContainsKey(nameof(ExecutedAt)) ? ExecutedAt : clock.UtcNow;
            string drillId = bound.ContainsKey(nameof(DrillId)) ? DrillId : "drill_" + InputFiles.ToHex(Guid.NewGuid().ToByteArray()).Substring(0, 12);
            var drill = new EvidenceDocument()
                .Add("drill_id", drillId)
                .Add("executed_at", executedAt)
                .AddIfSet("actor", Actor)
                .Add("source_mode", SourceMode)
                .Add("target_mode", TargetMode)
                .Add("status", Status)
                .Add("fallback_verified", FallbackVerified.IsPresent)
                .Add("recovery_minutes", RecoveryMinutes)
                .Add("max_recovery_minutes", MaxRecoveryMinutes)
                .Add("runbook_ref", RunbookRef)
                .Add("evidence_refs", EvidenceRef)
                .ToJsonObject();

            if (!ShouldProcess(path, $"Append rollback drill {drillId} ({Status}, executed {executedAt:u})")) return;
            double maxAge = GateConfig.Resolve(null, System.Environment.GetEnvironmentVariable).RollbackDrillMaxAgeDays;
            try
            {
                var recorded = RollbackDrillRecorder.Append(path, drill, Environment, maxAge, clock);
                WriteVerbose($"Appended {drillId} to {path}: {recorded.History.DrillCount} drills, history valid={recorded.History.Valid}, fresh={recorded.History.Fresh}");
                WriteObject(recorded);
            }
            catch (EvidenceRejectedException ex)
            {
                WriteError(new ErrorRecord(ex, "DrillHistoryInvalid", ErrorCategory.InvalidData, path));
            }
            catch (TimeoutException ex)
            {
                WriteError(new ErrorRecord(ex, "DrillHistoryLockTimeout", ErrorCategory.ResourceBusy, path));
            }
            catch (Exception ex) when (ex is System.IO.IOException || ex is UnauthorizedAccessException)
            {
                WriteError(new ErrorRecord(ex, "EvidenceWriteFailed", ErrorCategory.WriteError, path));
            }
        }
    }
}
