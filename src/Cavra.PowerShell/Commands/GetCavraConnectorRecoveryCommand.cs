using System;
using System.Linq;
using System.Management.Automation;
using Cavra.Gate.Notifications;
using Cavra.PowerShell.Infrastructure;

namespace Cavra.PowerShell.Commands
{
    /// <summary>Per provider, what the ledger says about its outages now (docs/design/notifications.md §9): open failures,
    /// approved and unapproved retries, executions, the latest closure, and whether it has recovered. The same state the gate
    /// check go_rollback_drill_notification_recovery judges.</summary>
    [Cmdlet(VerbsCommon.Get, "CavraConnectorRecovery")]
    [OutputType(typeof(ConnectorRecoveryState))]
    [OutputType(typeof(string))]
    public sealed class GetCavraConnectorRecoveryCommand : NotificationCmdlet
    {
        /// <summary>Canonical snake_case JSON text of each provider's row instead of the object.</summary>
        [Parameter] public SwitchParameter AsJson { get; set; }

        /// <summary>Only these providers.</summary>
        [Parameter(Position = 0, ValueFromPipelineByPropertyName = true)] [ValidateNotNullOrEmpty] public string[] Provider { get; set; } = Array.Empty<string>();

        private ConnectorRecoveryState[]? _states;

        protected override void ProcessRecord()
        {
            _states ??= ConnectorRecoveryState.Compute(ReadLedger(Ledger), Clock.GetUtcNow()).ToArray();
            foreach (var s in _states)
                if (Provider.Length == 0 || Provider.Contains(s.Provider, StringComparer.OrdinalIgnoreCase)) WriteObject(AsJson ? (object)CanonicalJsonOutput.Of(s) : s);
        }
    }
}
