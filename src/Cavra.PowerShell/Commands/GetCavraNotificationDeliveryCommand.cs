using System;
using System.Linq;
using System.Management.Automation;
using Cavra.Gate.Notifications;
using Cavra.Gate.Time;
using Cavra.PowerShell.Infrastructure;

namespace Cavra.PowerShell.Commands
{
    /// <summary>The delivery records of the notification ledger (docs/design/notifications.md §5, §6), oldest first, filtered by
    /// -Failed, -Provider, -DeliveryId and -Since. A malformed ledger line is a non-terminating NotificationLedgerInvalid error
    /// naming the line; the readable records are still returned.</summary>
    [Cmdlet(VerbsCommon.Get, "CavraNotificationDelivery")]
    [OutputType(typeof(DeliveryRecord))]
    [OutputType(typeof(string))]
    public sealed class GetCavraNotificationDeliveryCommand : NotificationCmdlet
    {
        /// <summary>Canonical snake_case JSON text of each delivery record instead of the object.</summary>
        [Parameter] public SwitchParameter AsJson { get; set; }

        /// <summary>Only deliveries that failed (every attempt failed).</summary>
        [Parameter] public SwitchParameter Failed { get; set; }

        /// <summary>Only deliveries to these providers.</summary>
        [Parameter(ValueFromPipelineByPropertyName = true)] [ValidateNotNullOrEmpty] public string[] Provider { get; set; } = Array.Empty<string>();

        /// <summary>Only these deliveries.</summary>
        [Parameter(Position = 0, ValueFromPipelineByPropertyName = true)] [ValidateNotNullOrEmpty] public string[] DeliveryId { get; set; } = Array.Empty<string>();

        /// <summary>Only deliveries attempted at or after this time.</summary>
        [Parameter] [TimestampTransformation] public DateTimeOffset? Since { get; set; }

        private NotificationLedgerContents? _ledger;

        protected override void ProcessRecord()
        {
            _ledger ??= ReadLedger(Ledger);
            foreach (var d in _ledger.Deliveries)
            {
                if (Failed && d.Success) continue;
                if (Provider.Length > 0 && !Provider.Contains(d.Provider, StringComparer.OrdinalIgnoreCase)) continue;
                if (DeliveryId.Length > 0 && !DeliveryId.Contains(d.DeliveryId, StringComparer.Ordinal)) continue;
                if (Since.HasValue && (!IsoTimestamp.TryParse(d.AttemptedAt, out var at) || at < Since.Value)) continue;
                WriteObject(AsJson ? (object)CanonicalJsonOutput.Of(d) : d);
            }
        }
    }
}
