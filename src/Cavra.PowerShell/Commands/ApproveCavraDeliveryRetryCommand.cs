using System;
using System.Management.Automation;
using Cavra.Gate.Notifications;
using Cavra.PowerShell.Infrastructure;

namespace Cavra.PowerShell.Commands
{
    /// <summary>Records an approval for one live retry scope (a failed delivery and its provider) that expires after -ValidFor
    /// (docs/design/notifications.md §7). The latest decision for a scope wins, so a later Deny-CavraDeliveryRetry revokes it.</summary>
    [Cmdlet(VerbsLifecycle.Approve, "CavraDeliveryRetry", SupportsShouldProcess = true)]
    [OutputType(typeof(RetryApprovalDecision))]
    public sealed class ApproveCavraDeliveryRetryCommand : RetryDecisionCmdlet
    {
        /// <summary>How long the approval authorizes a retry (default 24 hours).</summary>
        [Parameter] public TimeSpan ValidFor { get; set; } = RetryApprovalDecision.DefaultValidFor;

        protected override string State => "approved";

        protected override void BeginProcessing()
        {
            if (ValidFor <= TimeSpan.Zero)
                ThrowTerminatingError(new ErrorRecord(new PSArgumentException($"-ValidFor must be a positive time span, not {ValidFor}."),
                    "InvalidValidFor", ErrorCategory.InvalidArgument, ValidFor));
        }

        protected override TimeSpan? Lifetime => ValidFor;
    }

    /// <summary>Records a denial for one live retry scope (docs/design/notifications.md §7): from now on Invoke-CavraDeliveryRetry
    /// refuses that retry (RetryNotAuthorized), whatever approval came before, until a later approval.</summary>
    [Cmdlet(VerbsLifecycle.Deny, "CavraDeliveryRetry", SupportsShouldProcess = true)]
    [OutputType(typeof(RetryApprovalDecision))]
    public sealed class DenyCavraDeliveryRetryCommand : RetryDecisionCmdlet
    {
        protected override string State => "denied";
    }

    /// <summary>Approve and Deny: the same parameters and checks, one decision record each.</summary>
    public abstract class RetryDecisionCmdlet : NotificationCmdlet
    {
        /// <summary>The failed delivery (gordelivery-…).</summary>
        [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)] [Alias("delivery_id")] [ValidateNotNullOrEmpty]
        public string DeliveryId { get; set; } = "";

        /// <summary>The delivery's provider: the decision's scope is the delivery and this provider.</summary>
        [Parameter(Mandatory = true, ValueFromPipelineByPropertyName = true)] [ValidateNotNullOrEmpty]
        public string Provider { get; set; } = "";

        /// <summary>Who decided.</summary>
        [Parameter(Mandatory = true)] [Alias("decided_by")] [ValidateNotNullOrEmpty] public string DecidedBy { get; set; } = "";

        /// <summary>A change or ticket reference.</summary>
        [Parameter] [Alias("external_ref")] [ValidateNotNullOrEmpty] public string ExternalRef { get; set; } = "";

        [Parameter] [ValidateNotNullOrEmpty] public string Notes { get; set; } = "";

        protected abstract string State { get; }
        protected virtual TimeSpan? Lifetime => null;

        protected override void ProcessRecord()
        {
            string ledger = Ledger;
            var contents = ReadLedgerForAppend(ledger);
            if (contents == null) return;
            var delivery = contents.FindDelivery(DeliveryId);
            if (delivery == null)
            {
                WriteError(new ErrorRecord(new ItemNotFoundException($"The ledger {ledger} holds no delivery {DeliveryId}."), "DeliveryNotFound", ErrorCategory.ObjectNotFound, DeliveryId));
                return;
            }
            if (!string.Equals(delivery.Provider, Provider, StringComparison.Ordinal))
            {
                WriteError(new ErrorRecord(new PSArgumentException($"Delivery {DeliveryId} went to {delivery.Provider}, not {Provider}: a decision's scope is the delivery and its own provider."),
                    "DeliveryProviderMismatch", ErrorCategory.InvalidArgument, Provider));
                return;
            }
            // An approval must name a delivery a live retry may repeat: the engine's one rule (not a retry itself, not delivered yet).
            if (State == "approved")
            {
                try { DeliveryRetry.Retryable(contents, DeliveryId, ledger); }
                catch (DeliveryAlreadySucceededException ex)
                {
                    WriteError(new ErrorRecord(ex, "DeliveryAlreadySucceeded", ErrorCategory.InvalidOperation, DeliveryId));
                    return;
                }
                catch (ArgumentException ex) when (ex.ParamName == "deliveryId")
                {
                    WriteError(new ErrorRecord(ex, "DeliveryIsRetry", ErrorCategory.InvalidArgument, DeliveryId));
                    return;
                }
            }
            var now = Clock.GetUtcNow();
            var decision = RetryApprovalDecision.Create(DeliveryId, Provider, State, DecidedBy, now, Lifetime, ExternalRef, Notes);
            string what = State == "approved" ? $"Approve a live retry until {decision.ExpiresAt}" : "Deny live retries";
            if (!ShouldProcess($"delivery {DeliveryId} ({Provider})", what)) return;
            if (Append(ledger, decision)) WriteObject(decision);
        }
    }
}
