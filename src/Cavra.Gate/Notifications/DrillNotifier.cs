using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Cavra.Gate.FileSystem;

namespace Cavra.Gate.Notifications
{
    /// <summary>The connector config cannot be used at all (unreadable or malformed): nothing was sent or recorded.</summary>
    public sealed class ConnectorConfigException : ArgumentException
    {
        public ConnectorConfigException(string message) : base(message) { }
    }

    /// <summary>
    /// Delivers a notification plan (docs/design/notifications.md §5): for each <c>deliver</c> route, in plan order, the
    /// route's event is shaped for its provider, sent through the provider's connector, and one <see cref="DeliveryRecord"/>
    /// is appended to the ledger straight after that route's delivery (so a stop part-way keeps what was already done).
    /// Suppressed routes send and record nothing. A route whose provider has no connector, or whose connector lacks an
    /// environment variable, is recorded as a failed delivery with no attempts, not thrown: it is an open failure the
    /// gate's recovery check reports (§9).
    /// </summary>
    public static class DrillNotifier
    {
        public static string NoConnectorMessage(string provider) => $"no connector configured for provider {provider}";

        /// <exception cref="ConnectorConfigException">The config is not <see cref="ConnectorConfig.Readable"/>.</exception>
        /// <exception cref="NotificationLedgerException">The ledger cannot be read or appended to; checked before anything is sent.</exception>
        /// <exception cref="OperationCanceledException">Cancelled; routes delivered before stay recorded.</exception>
        public static IReadOnlyList<DeliveryRecord> Send(NotificationPlan plan, ConnectorConfig config, string ledgerPath, TimeProvider clock,
            ConnectorClient? client = null, CancellationToken cancel = default) =>
            SendAsync(plan, config, ledgerPath, clock, client, cancel).GetAwaiter().GetResult();

        public static async Task<IReadOnlyList<DeliveryRecord>> SendAsync(NotificationPlan plan, ConnectorConfig config, string ledgerPath,
            TimeProvider clock, ConnectorClient? client = null, CancellationToken cancel = default)
        {
            if (plan == null) throw new ArgumentNullException(nameof(plan));
            if (clock == null) throw new ArgumentNullException(nameof(clock));
            RequireReadable(config);
            var ledger = ReadLedger(ledgerPath);
            client ??= new ConnectorClient(clock);
            var known = new HashSet<string>(ledger.Deliveries.Select(d => d.DeliveryId), StringComparer.Ordinal);
            var records = new List<DeliveryRecord>();
            foreach (var route in plan.Routes.Where(r => r.Deliver))
            {
                cancel.ThrowIfCancellationRequested();
                var record = await DeliverAsync(NotificationEvent.For(plan, route), config, client, clock, known, cancel).ConfigureAwait(false);
                known.Add(record.DeliveryId);
                NotificationLedger.Append(ledgerPath, new INotificationRecord[] { record });
                records.Add(record);
            }
            return records;
        }

        internal static void RequireReadable(ConnectorConfig config)
        {
            if (config == null) throw new ArgumentNullException(nameof(config));
            if (!config.Readable) throw new ConnectorConfigException($"the connector config cannot be used, nothing was sent: {config.Message}");
        }

        /// <summary>The ledger as it is now; a file that cannot be read at all stops the send before any HTTP request.</summary>
        internal static NotificationLedgerContents ReadLedger(string ledgerPath)
        {
            if (string.IsNullOrEmpty(ledgerPath)) throw new ArgumentException("a notification ledger path is required", nameof(ledgerPath));
            var ledger = NotificationLedger.Read(new InputFiles(), ledgerPath);
            var whole = ledger.Problems.FirstOrDefault(p => p.LineNumber == 0);
            if (whole != null) throw new NotificationLedgerException($"the notification ledger cannot be used, nothing was sent: {whole.Message}");
            return ledger;
        }

        /// <summary>Shapes and sends one event to its provider's connector and returns the (not yet appended) record.</summary>
        /// <exception cref="InvalidOperationException">The delivery's id is in <paramref name="known"/> (the clock did not move since
        /// the same route was last delivered); checked before anything is sent.</exception>
        internal static async Task<DeliveryRecord> DeliverAsync(NotificationEvent e, ConnectorConfig config, ConnectorClient client, TimeProvider clock,
            ISet<string> known, CancellationToken cancel)
        {
            var attemptedAt = clock.GetUtcNow();
            string id = DeliveryRecord.ComputeId(e.PlanId, e.RouteKey, e.Provider, Time.IsoTimestamp.Format(attemptedAt));
            if (known.Contains(id))
                throw new InvalidOperationException($"delivery {id} is already in the ledger: the clock did not move since route {e.RouteKey} was last delivered; nothing was sent");
            var connector = config.Find(e.Provider);
            if (connector == null || !connector.Valid)
            {
                string error = connector == null ? NoConnectorMessage(e.Provider) : connector.Message;
                return DeliveryRecord.Create(e.PlanId, e.RouteKey, e.ScheduleId, e.Owner, e.Provider, NotificationEvent.Type,
                    Array.Empty<DeliveryAttempt>(), false, attemptedAt, null, error, e.RetryOf);
            }
            var result = await client.SendAsync(connector, NotificationPayloads.For(e, connector), cancel).ConfigureAwait(false);
            return DeliveryRecord.Create(e.PlanId, e.RouteKey, e.ScheduleId, e.Owner, e.Provider, NotificationEvent.Type,
                result.Attempts, result.Success, attemptedAt, result.DeliveredAt, result.Error, e.RetryOf);
        }
    }
}
