using System;
using System.Linq;
using System.Management.Automation;
using System.Text;
using Cavra.Gate.Configuration;
using Cavra.Gate.Notifications;
using Cavra.Gate.Readiness;
using Cavra.PowerShell.Infrastructure;

namespace Cavra.PowerShell.Commands
{
    /// <summary>
    /// Builds the drill schedule's notification plan for its status now and delivers it over HTTP to each configured connector,
    /// appending one delivery record per delivered route to the ledger (docs/design/notifications.md §3, §5). A failed
    /// delivery is data (Success false, and a warning), not an error; -WhatIf prints the plan and sends nothing.
    /// </summary>
    [Cmdlet(VerbsCommunications.Send, "CavraRollbackDrillNotification", SupportsShouldProcess = true)]
    [OutputType(typeof(DeliveryRecord))]
    public sealed class SendCavraRollbackDrillNotificationCommand : NotificationCmdlet
    {
        /// <summary>The drill schedule (default: rollback_drill_schedule_path, CAVRA_GO_ROLLBACK_DRILL_SCHEDULE, the evidence folder).</summary>
        [Parameter(Position = 0)] [ValidateNotNullOrEmpty] public string SchedulePath { get; set; } = "";

        /// <summary>The drill history the schedule's due date may follow from (default: CAVRA_GO_ROLLBACK_DRILL_HISTORY, …).</summary>
        [Parameter] [ValidateNotNullOrEmpty] public string RollbackDrillHistoryPath { get; set; } = "";

        /// <summary>The connector config (default: connector_config_path, CAVRA_CONNECTOR_CONFIG).</summary>
        [Parameter] [ValidateNotNullOrEmpty] public string ConnectorConfigPath { get; set; } = "";

        protected override (string Parameter, GateSetting Setting)[] SettingParameters() => base.SettingParameters().Concat(new[]
        {
            (nameof(SchedulePath), GateSettings.RollbackDrillSchedulePath),
            (nameof(RollbackDrillHistoryPath), GateSettings.RollbackDrillHistoryPath),
            (nameof(ConnectorConfigPath), GateSettings.ConnectorConfigPath),
        }).ToArray();

        protected override void ProcessRecord()
        {
            var config = Config;
            if (!config.ScheduleConfigured)
                ThrowTerminatingError(new ErrorRecord(new PSArgumentException(
                    "No drill schedule is configured: give -SchedulePath, rollback_drill_schedule_path in the settings file, or CAVRA_GO_ROLLBACK_DRILL_SCHEDULE."),
                    "RollbackDrillScheduleNotConfigured", ErrorCategory.InvalidArgument, null));
            var schedule = RollbackDrillScheduleReport.ReadSchedule(new GateContext(config, Files(), Clock));
            string status = ScheduleStatuses.Of(schedule);
            NotificationPlan plan;
            try { plan = NotificationPlan.Build(schedule, status, Clock.GetUtcNow()); }
            catch (NotificationPlanException ex)
            {
                ThrowTerminatingError(new ErrorRecord(ex, "RollbackDrillScheduleInvalid", ErrorCategory.InvalidData, config.RollbackDrillSchedulePath));
                return;
            }
            var connectors = ReadConnectorConfig();
            string ledger = Ledger;

            string description = Describe(plan, connectors);
            // ShouldProcess prints the description with -WhatIf and -Verbose; a plan with nothing to send is narrated here.
            if (plan.DeliverCount == 0) { WriteVerbose(description + Environment.NewLine + "Every route is suppressed now: nothing to send."); return; }
            if (!ShouldProcess(description, $"Send {plan.DeliverCount} rollback drill notification(s) of schedule {plan.ScheduleId} ({status})?", "Send rollback drill notifications"))
                return;
            try
            {
                foreach (var d in DrillNotifier.Send(plan, connectors, ledger, Clock, cancel: Cancellation))
                {
                    if (!d.Success)
                        WriteWarning($"Delivery {d.DeliveryId} to {d.Provider} for {d.Owner} failed after {d.AttemptCount} attempt(s): {d.Error}");
                    WriteObject(d);
                }
            }
            catch (OperationCanceledException) when (Cancellation.IsCancellationRequested) { }
            catch (Exception ex) when (WriteLedgerError(ex, ledger)) { }
        }

        /// <summary>The plan as people read it: one line per route, connectors by their display URL only (no secret).</summary>
        private static string Describe(NotificationPlan plan, ConnectorConfig connectors)
        {
            var text = new StringBuilder();
            text.Append($"Notification plan {plan.PlanId} for schedule {plan.ScheduleId} ({plan.ScheduleStatus}; next due {(plan.NextDueAt.Length > 0 ? plan.NextDueAt : "unknown")}): ")
                .Append($"{plan.DeliverCount} to deliver, {plan.SuppressCount} suppressed.");
            foreach (var r in plan.Routes)
            {
                text.AppendLine().Append($"  {r.Action} {r.Owner} via {r.Provider}");
                if (!r.Deliver) text.Append($" (suppressed by {r.SuppressedBy})");
                else
                {
                    var c = connectors.Find(r.Provider);
                    text.Append(c == null ? " (no connector configured: recorded as a failed delivery)" : c.Valid ? $" to {c.DisplayUrl}" : $" ({c.Message})");
                }
            }
            return text.ToString();
        }
    }
}
