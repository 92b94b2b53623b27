using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using Cavra.Gate.Configuration;
using Cavra.Gate.Evidence;
using Cavra.Gate.Notifications;
using Cavra.Gate.Readiness;
using Cavra.PowerShell.Infrastructure;

namespace Cavra.PowerShell.Commands
{
    /// <summary>
    /// Live retries of failed drill notification deliveries, each bound to a current approval (docs/design/notifications.md §7).
    /// With -DeliveryId: that delivery, and without a current approval a skipped execution record is written and the retry
    /// is refused (RetryNotAuthorized). Without it: every failed delivery that holds a current approval and was not yet
    /// delivered by a retry. Each retry appends its new delivery and an execution record (delivered or failed) and returns
    /// the execution record.
    /// </summary>
    // ConfirmImpact Medium, not High: the approval in the ledger is the confirmation; High would prompt in every runbook.
    [Cmdlet(VerbsLifecycle.Invoke, "CavraDeliveryRetry", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
    [OutputType(typeof(RetryExecutionRecord))]
    public sealed class InvokeCavraDeliveryRetryCommand : NotificationCmdlet
    {
        /// <summary>The failed delivery to retry; without it, every failed delivery with a current approval.</summary>
        [Parameter(Position = 0, ValueFromPipelineByPropertyName = true)] [Alias("delivery_id")] [ValidateNotNullOrEmpty]
        public string DeliveryId { get; set; } = "";

        /// <summary>Who runs the retry.</summary>
        [Parameter(Mandatory = true)] [Alias("executed_by")] [ValidateNotNullOrEmpty] [ValidatePattern(@"\S")] public string ExecutedBy { get; set; } = "";

        [Parameter] [ValidateNotNullOrEmpty] [ValidateGateSetting(nameof(GateSettings.ConnectorConfigPath))] public string ConnectorConfigPath { get; set; } = "";

        /// <summary>The schedule, so the retried event tells the owner the due date as it is now.</summary>
        [Parameter] [ValidateNotNullOrEmpty] public string SchedulePath { get; set; } = "";

        protected override (string Parameter, GateSetting Setting)[] SettingParameters() => base.SettingParameters().Concat(new[]
        {
            (nameof(ConnectorConfigPath), GateSettings.ConnectorConfigPath),
            (nameof(SchedulePath), GateSettings.RollbackDrillSchedulePath),
        }).ToArray();

        private ConnectorConfig? _connectors;
        private RollbackDrillSchedule? _schedule;
        private bool _scheduleRead;

        protected override void ProcessRecord()
        {
            string ledger = Ledger;
            _connectors ??= ReadConnectorConfig();
            var contents = ReadLedgerForAppend(ledger);
            if (contents == null) return;
            IEnumerable<string> ids;
            if (DeliveryId.Length > 0) ids = new[] { DeliveryId };
            else
            {
                ids = DeliveryRetry.Pending(contents, Clock.GetUtcNow()).Select(d => d.DeliveryId).ToList();
                if (!ids.Any()) WriteVerbose($"No failed delivery in {ledger} holds a current approval.");
            }
            foreach (var id in ids) Retry(ledger, contents, id);
        }

        private void Retry(string ledger, NotificationLedgerContents contents, string id)
        {
            var failed = contents.FindDelivery(id);
            string target = failed == null ? id : $"delivery {id} ({failed.Provider}, owner {failed.Owner})";
            if (!ShouldProcess(target, "Retry the notification live")) return;
            try
            {
                var execution = DeliveryRetry.Execute(ledger, id, ExecutedBy, _connectors!, Clock, ScheduleFor(failed), cancel: Cancellation);
                if (execution.ExecutionStatus != "delivered")
                    WriteWarning($"Live retry of {id} to {execution.Provider} failed after {execution.AttemptCount} attempt(s): {execution.Reason}");
                WriteObject(execution);
            }
            catch (OperationCanceledException) when (Cancellation.IsCancellationRequested) { }
            catch (RetryNotAuthorizedException ex)
            {
                WriteError(new ErrorRecord(ex, "RetryNotAuthorized", ErrorCategory.PermissionDenied, ex.Record));
            }
            catch (DeliveryNotFoundException ex)
            {
                WriteError(new ErrorRecord(ex, "DeliveryNotFound", ErrorCategory.ObjectNotFound, id));
            }
            catch (DeliveryAlreadySucceededException ex)
            {
                WriteError(new ErrorRecord(ex, "DeliveryAlreadySucceeded", ErrorCategory.InvalidOperation, id));
            }
            catch (Exception ex) when (WriteLedgerError(ex, ledger)) { }
            catch (ArgumentException ex) when (ex.ParamName == "deliveryId")
            {
                // A delivery that is itself a live retry: approvals and executions belong to the original failure.
                WriteError(new ErrorRecord(ex, "DeliveryIsRetry", ErrorCategory.InvalidArgument, id));
            }
        }

        /// <summary>The configured schedule when it is the one the delivery notified about; otherwise none (the event then says
        /// needs_attention without a due date rather than another schedule's).</summary>
        private RollbackDrillSchedule? ScheduleFor(DeliveryRecord? failed)
        {
            if (!_scheduleRead)
            {
                _scheduleRead = true;
                if (Config.ScheduleConfigured) _schedule = RollbackDrillScheduleReport.ReadSchedule(new GateContext(Config, Files(), Clock));
            }
            if (_schedule == null || failed == null || _schedule.ScheduleId != failed.ScheduleId) return null;
            return _schedule;
        }
    }
}
