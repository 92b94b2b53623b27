using System;
using System.Threading;

namespace Cavra.Gate.Runtime
{
    /// <summary>Where a daemon transport gets its socket from.</summary>
    public interface IDaemonEndpoint
    {
        /// <summary>The socket of a running daemon, starting or restarting it when its owner may, within <paramref name="budget"/>.
        /// False with the failure reason when there is none.</summary>
        bool TryAcquire(TimeSpan budget, CancellationToken cancellationToken, out string socketPath, out string failure);

        /// <summary>Called after a request failed on the socket: what the owner knows about why ("daemon exited with status 137"),
        /// or "". The owner may decide the daemon is down and restart it when next acquired.</summary>
        string OnFailure(DaemonFailure failure);

        /// <summary>Called after a request was answered.</summary>
        void OnAnswered();
    }
}
