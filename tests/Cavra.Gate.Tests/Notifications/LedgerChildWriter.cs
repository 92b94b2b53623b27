using Cavra.Gate.Notifications;

namespace Cavra.Gate.Tests.Notifications;

/// <summary>
/// The test assembly's entry point (GenerateProgramFile is off): <c>dotnet Cavra.Gate.Tests.dll ledger-writer &lt;ledger&gt; &lt;batch&gt;</c>
/// appends batches of <c>batch</c> decisions until it is killed, so a test can kill a real writer mid-append. Anything else
/// exits 2 (the test host never calls Main).
/// </summary>
public static class LedgerChildWriter
{
    public static int Main(string[] args)
    {
        if (args.Length != 3 || args[0] != "ledger-writer" || !int.TryParse(args[2], out int batch) || batch < 1) return 2;
        var at = new DateTimeOffset(2026, 3, 1, 12, 0, 0, TimeSpan.Zero);
        for (long n = 0; ; n++)
        {
            var records = new INotificationRecord[batch];
            // Long notes make each batch one large write, so a kill can land inside it.
            for (int i = 0; i < batch; i++)
                records[i] = RetryApprovalDecision.Create($"gordelivery-batch{n}", "slack", "denied", "writer", at.AddSeconds(i), notes: $"{i}:" + new string('x', 2000));
            NotificationLedger.Append(args[1], records);
        }
    }
}
