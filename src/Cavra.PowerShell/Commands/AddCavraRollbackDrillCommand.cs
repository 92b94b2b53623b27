using System;
using System.Management.Automation;
using Cavra.Gate.Authoring;
using Cavra.Gate.Configuration;
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

        // Pipeline-bound parameters are reset to these defaults for every input record, but MyInvocation.BoundParameters
        // keeps earlier records' keys: "not given" is therefore read from the value (empty id, null time), never from BoundParameters.
        [Parameter(ValueFromPipelineByPropertyName = true)] [Alias("drill_id")] [ValidateNotNullOrEmpty] public string DrillId { get; set; } = "";
        [Parameter(ValueFromPipelineByPropertyName = true)] [Alias("executed_at")] [TimestampTransformation] public DateTimeOffset? ExecutedAt { get; set; }
        [Parameter(Mandatory = true, ValueFromPipelineByPropertyName = true)] [ValidateSet("pass", "fail")] public string Status { get; set; } = "";
        [Parameter(ValueFromPipelineByPropertyName = true)] [Alias("target_mode")] [ValidateSet("disabled", "shadow", "enforce", "promoted")] public string TargetMode { get; set; } = "disabled";
        [Parameter(ValueFromPipelineByPropertyName = true)] [Alias("source_mode")] [ValidateSet("disabled", "shadow", "enforce", "promoted")] public string SourceMode { get; set; } = "promoted";
        [Parameter(ValueFromPipelineByPropertyName = true)] [Alias("fallback_verified")] [BooleanTextTransformation] public SwitchParameter FallbackVerified { get; set; }
        [Parameter(Mandatory = true, ValueFromPipelineByPropertyName = true)] [Alias("recovery_minutes")] [ValidateRange(0.001, 100000)] public double RecoveryMinutes { get; set; }
        [Parameter(Mandatory = true, ValueFromPipelineByPropertyName = true)] [Alias("max_recovery_minutes")] [ValidateRange(0.001, 100000)] public double MaxRecoveryMinutes { get; set; }
        [Parameter(Mandatory = true, ValueFromPipelineByPropertyName = true)] [Alias("runbook_ref")] [ValidateNotNullOrEmpty] public string RunbookRef { get; set; } = "";
        [Parameter(Mandatory = true, ValueFromPipelineByPropertyName = true)] [Alias("evidence_refs")] [ValidateNotNullOrEmpty] public string[] EvidenceRef { get; set; } = Array.Empty<string>();
        [Parameter(ValueFromPipelineByPropertyName = true)] [ValidateNotNullOrEmpty] public string Actor { get; set; } = "";
        /// <summary>The history's environment (e.g. production-pilot): recorded on a new file, checked against an existing one.</summary>
        [Parameter] [ValidateNotNullOrEmpty] public string Environment { get; set; } = "";
        /// <summary>The freshness limit for the returned history summary (default: CAVRA_GO_ROLLBACK_DRILL_MAX_AGE_DAYS, then 90).</summary>
        [Parameter] [ValidateGateSetting(nameof(RollbackDrillMaxAgeDays))] public double RollbackDrillMaxAgeDays { get; set; }
        /// <summary>A settings file (the same JSON as Start-CavraReadinessApi -SettingsPath; default CAVRA_GO_SETTINGS).</summary>
        [Parameter] [ValidateGateSetting(nameof(SettingsPath))] public string SettingsPath { get; set; } = null!;

        private double? _maxAge;
        /// <summary>A folder for dated archive files: when an append would make the history larger than the gate reads
        /// (1 MiB), the oldest drills move to a new archive file there and the history keeps the latest ones.</summary>
        [Parameter] [ValidateNotNullOrEmpty] public string ArchivePath { get; set; } = "";

        protected override void ProcessRecord()
        {
            string path = FileSystemPaths.Resolve(this, Path);
            var clock = TimeProvider.System;
            var draft = new RollbackDrillDraft
            {
                DrillId = DrillId.Length > 0 ? DrillId : RollbackDrillDraft.NewDrillId(),
                ExecutedAt = ExecutedAt ?? clock.GetUtcNow(),
                // ValidateSet accepts any case; the gate reads "pass" only, so "PASS" must be written as "pass".
                Actor = Actor, SourceMode = SourceMode.ToLowerInvariant(), TargetMode = TargetMode.ToLowerInvariant(), Status = Status.ToLowerInvariant(), FallbackVerified = FallbackVerified.IsPresent,
                RecoveryMinutes = RecoveryMinutes, MaxRecoveryMinutes = MaxRecoveryMinutes, RunbookRef = RunbookRef, EvidenceRefs = EvidenceRef,
            };
            string? archive = ArchivePath.Length > 0 ? FileSystemPaths.Resolve(this, ArchivePath) : null;
            if (!ShouldProcess(path, $"Append rollback drill {draft.DrillId} ({draft.Status}, executed {draft.ExecutedAt:u})")) return;

            _maxAge ??= GateConfigurationCmdlet.ResolveConfig(this,
                GateConfigurationCmdlet.BoundSettings(this, GateSettings.RollbackDrillMaxAgeDays, GateSettings.SettingsPath)).RollbackDrillMaxAgeDays;
            double maxAge = _maxAge.Value;
            try
            {
                var recorded = RollbackDrillRecorder.Append(path, draft.ToJsonObject(), Environment, maxAge, clock, archiveDirectory: archive);
                var h = recorded.History;
                if (recorded.ArchivedDrills > 0) WriteVerbose($"Moved the {recorded.ArchivedDrills} oldest drills to {recorded.ArchivePath}.");
                WriteVerbose($"Appended {draft.DrillId} to {path}: {h.DrillCount} drills; latest {h.LatestDrillId} ({h.LatestStatus}); history valid={h.Valid}, fresh={h.Fresh}.");
                WriteObject(recorded);
            }
            catch (EvidenceRejectedException ex)
            {
                var (id, category) = ex.Reason switch
                {
                    EvidenceRejection.Document => ("EvidenceInvalid", ErrorCategory.InvalidData),
                    EvidenceRejection.EnvironmentMismatch => ("DrillHistoryEnvironmentMismatch", ErrorCategory.InvalidArgument),
                    EvidenceRejection.DuplicateDrillId => ("DrillIdExists", ErrorCategory.ResourceExists),
                    EvidenceRejection.HistoryFull => ("DrillHistoryFull", ErrorCategory.LimitsExceeded),
                    _ => ("DrillHistoryInvalid", ErrorCategory.InvalidData),
                };
                WriteError(new ErrorRecord(ex, id, category, path));
            }
            catch (TimeoutException ex)
            {
                WriteError(new ErrorRecord(ex, "DrillHistoryLockTimeout", ErrorCategory.ResourceBusy, path));
            }
            catch (Cavra.Gate.FileSystem.NotARegularFileException ex)
            {
                WriteError(new ErrorRecord(ex, "EvidencePathNotRegularFile", ErrorCategory.InvalidArgument, ex.Path));
            }
            catch (Exception ex) when (ex is System.IO.IOException || ex is UnauthorizedAccessException)
            {
                WriteError(new ErrorRecord(ex, "EvidenceWriteFailed", ErrorCategory.WriteError, path));
            }
        }
    }
}
