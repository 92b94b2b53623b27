using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Cavra.Gate.Authoring;
using Cavra.Gate.Evidence;

namespace Cavra.Gate.Notifications
{
    /// <summary>The ledger holds no delivery with that id.</summary>
    public sealed class DeliveryNotFoundException : ArgumentException
    {
        public DeliveryNotFoundException(string deliveryId, string ledgerPath)
            : base($"the notification ledger {ledgerPath} holds no delivery {deliveryId}") { DeliveryId = deliveryId; }
        public string DeliveryId { get; }
    }

    /// <summary>The delivery succeeded, or a live retry already delivered it: there is nothing to retry.</summary>
    public sealed class DeliveryAlreadySucceededException : InvalidOperationException
    {
        public DeliveryAlreadySucceededException(string deliveryId, string message) : base(message) { DeliveryId = deliveryId; }
        public string DeliveryId { get; }
    }

    /// <summary>No current approval: the retry was refused and <see cref="Record"/>, a <c>skipped</c> execution, was appended.</summary>
    public sealed class RetryNotAuthorizedException : InvalidOperationException
    {
        public RetryNotAuthorizedException(RetryExecutionRecord record)
            : base($"live retry of delivery {record?.DeliveryId} refused: {record?.Reason}")
        { Record = record ?? throw new ArgumentNullException(nameof(record)); }
        public RetryExecutionRecord Record { get; }
    }

    /// <summary>
    /// An approval-bound live retry of one failed delivery (docs/design/notifications.md §7). The delivery is looked up in
    /// the ledger; a delivery that succeeded, or that a live retry already delivered, is refused with nothing written;
    /// a delivery that is itself a retry is refused (approvals and executions belong to the original failure). Then
    /// <see cref="RetryAuthorization.Evaluate"/> decides at the clock's now: without a current approval a <c>skipped</c>
    /// execution record with the reason is appended and <see cref="RetryNotAuthorizedException"/> thrown; with one, the
    /// same route is delivered again through the provider's current connector and the new <see cref="DeliveryRecord"/>
    /// (<c>retry_of</c> = the failed delivery) and a <c>delivered</c> or <c>failed</c> execution record whose
    /// <c>evidence_refs</c> holds the new delivery id are appended together, in one locked write.
    /// The event is rebuilt, not replayed: from the recorded delivery (plan, route, schedule, owner, provider) and, when
    /// the caller passes the schedule, the schedule's state now (status, due date, acknowledgement and escalation of the
    /// owner's route), so a retry never tells an owner yesterday's due date. Without the schedule the event says
    /// <c>needs_attention</c> and carries no due date. The event's <c>retry_of</c> lets a receiver tell a retry from a new notice.
    /// </summary>
    public static class DeliveryRetry
    {
        /// <exception cref="DeliveryNotFoundException">No such delivery.</exception>
        /// <exception cref="DeliveryAlreadySucceededException">Nothing to retry.</exception>
        /// <exception cref="RetryNotAuthorizedException">No current approval; a skipped record was appended.</exception>
        /// <exception cref="ConnectorConfigException">The connector config is unusable; nothing was written.</exception>
        /// <exception cref="ArgumentException">The delivery is itself a retry, or <paramref name="schedule"/> is another schedule.</exception>
        public static RetryExecutionRecord Execute(string ledgerPath, string deliveryId, string executedBy, ConnectorConfig config, TimeProvider clock,
            RollbackDrillSchedule? schedule = null, ConnectorClient? client = null, CancellationToken cancel = default) =>
            ExecuteAsync(ledgerPath, deliveryId, executedBy, config, clock, schedule, client, cancel).GetAwaiter().GetResult();

        public static async Task<RetryExecutionRecord> ExecuteAsync(string ledgerPath, string deliveryId, string executedBy, ConnectorConfig config,
            TimeProvider clock, RollbackDrillSchedule? schedule = null, ConnectorClient? client = null, CancellationToken cancel = default)
        {
            if (string.IsNullOrEmpty(deliveryId)) throw new ArgumentException("a delivery id is required", nameof(deliveryId));
            if (string.IsNullOrWhiteSpace(executedBy)) throw new ArgumentException("who executes the retry is required", nameof(executedBy));
            if (clock == null) throw new ArgumentNullException(nameof(clock));
            DrillNotifier.RequireReadable(config);
            if (string.IsNullOrEmpty(ledgerPath)) throw new ArgumentException("a notification ledger path is required", nameof(ledgerPath));
            // One live retry at a time per ledger, from read to append: two retries started together must not both send
            // under one approval (docs/design/notifications.md §7). A separate lock file, because Append takes <ledger>.lock.
            using var retryLock = EvidenceFileLock.Acquire(ledgerPath + ".retry", RetryLockTimeout(config));
            var ledger = DrillNotifier.ReadLedger(ledgerPath);
            var failed = Retryable(ledger, deliveryId, ledgerPath);
            if (schedule != null && schedule.ScheduleId != failed.ScheduleId)
                throw new ArgumentException($"the schedule given is {schedule.ScheduleId}, but delivery {deliveryId} notified about {failed.ScheduleId}", nameof(schedule));

            var now = clock.GetUtcNow();
            var authorization = RetryAuthorization.Evaluate(ledger, deliveryId, failed.Provider, now);
            if (!authorization.Authorized)
            {
                var skipped = RetryExecutionRecord.Create(deliveryId, failed.Provider, authorization.Decision?.DecisionId ?? "", "skipped", executedBy, now,
                    Array.Empty<string>(), authorization.Reason);
                NotificationLedger.Append(ledgerPath, new INotificationRecord[] { skipped });
                throw new RetryNotAuthorizedException(skipped);
            }

            var known = new HashSet<string>(ledger.Deliveries.Select(d => d.DeliveryId), StringComparer.Ordinal);
            var retry = await DrillNotifier.DeliverAsync(EventFor(failed, schedule, now), config, client ?? new ConnectorClient(clock), clock, known, cancel)
                .ConfigureAwait(false);
            var execution = RetryExecutionRecord.Create(deliveryId, failed.Provider, authorization.Decision!.DecisionId, retry.Success ? "delivered" : "failed",
                executedBy, now, new[] { retry.DeliveryId }, retry.Success ? "" : retry.Error, retry.AttemptCount, retry.StatusCode);
            NotificationLedger.Append(ledgerPath, new INotificationRecord[] { retry, execution });
            return execution;
        }

        /// <summary>The failed original delivery a live retry may repeat (docs/design/notifications.md §7): the one rule Execute,
        /// an approval and the selection of pending retries share.</summary>
        /// <exception cref="DeliveryNotFoundException">No such delivery.</exception>
        /// <exception cref="DeliveryAlreadySucceededException">It succeeded, or a live retry already delivered it.</exception>
        /// <exception cref="ArgumentException">It is itself a live retry (ParamName deliveryId).</exception>
        public static DeliveryRecord Retryable(NotificationLedgerContents ledger, string deliveryId, string ledgerPath)
        {
            var failed = ledger.FindDelivery(deliveryId) ?? throw new DeliveryNotFoundException(deliveryId, ledgerPath);
            if (failed.Success)
                throw new DeliveryAlreadySucceededException(deliveryId, $"delivery {deliveryId} succeeded at {failed.DeliveredAt}; there is nothing to retry");
            if (failed.RetryOf.Length > 0)
                throw new ArgumentException($"delivery {deliveryId} is itself a live retry of {failed.RetryOf}: retry {failed.RetryOf} (approvals and executions belong to the original failure)", nameof(deliveryId));
            var earlier = ledger.Deliveries.FirstOrDefault(d => d.RetryOf == deliveryId && d.Success);
            if (earlier != null)
                throw new DeliveryAlreadySucceededException(deliveryId, $"delivery {deliveryId} was already delivered by live retry {earlier.DeliveryId} at {earlier.DeliveredAt}");
            return failed;
        }

        /// <summary>The failed original deliveries, not yet delivered by a retry, that hold a current approval at <paramref name="now"/>.</summary>
        public static IReadOnlyList<DeliveryRecord> Pending(NotificationLedgerContents ledger, DateTimeOffset now)
        {
            var delivered = new HashSet<string>(ledger.Deliveries.Where(d => d.Success && d.RetryOf.Length > 0).Select(d => d.RetryOf), StringComparer.Ordinal);
            return ledger.Deliveries
                .Where(d => !d.Success && d.RetryOf.Length == 0 && !delivered.Contains(d.DeliveryId)
                            && RetryAuthorization.Evaluate(ledger, d.DeliveryId, d.Provider, now).Authorized)
                .ToList();
        }

        /// <summary>How long a retry waits for another one on the same ledger: the slowest connector's every attempt, plus a margin.</summary>
        internal static TimeSpan RetryLockTimeout(ConnectorConfig config) =>
            TimeSpan.FromSeconds(30 + config.Connectors.Select(c => c.TimeoutSeconds * (1 + c.Retries)).DefaultIfEmpty(0).Max());

        /// <summary>The event the retry sends: the recorded route, and the schedule's state now when it is given.</summary>
        internal static NotificationEvent EventFor(DeliveryRecord failed, RollbackDrillSchedule? schedule, DateTimeOffset now)
        {
            string status = schedule == null ? ScheduleStatuses.NeedsAttention : ScheduleStatuses.Of(schedule);
            NotificationRoute? route = null;
            if (schedule != null)
            {
                try { route = NotificationPlan.Build(schedule, status, now).Routes.FirstOrDefault(r => r.RouteKey == failed.RouteKey); }
                catch (NotificationPlanException) { } // a schedule that no longer plans still has a state worth telling
            }
            return new NotificationEvent(failed.PlanId, failed.RouteKey, failed.ScheduleId, schedule?.Environment ?? "", status, failed.Owner, failed.Provider,
                schedule?.NextDueAt ?? "", schedule?.DaysUntilDue, schedule?.RunbookRef ?? "",
                route?.AcknowledgementMinutes ?? NotificationRoute.DefaultAcknowledgementMinutes, route?.EscalationOwner ?? "",
                Time.IsoTimestamp.Format(now), failed.DeliveryId);
        }
    }
}
