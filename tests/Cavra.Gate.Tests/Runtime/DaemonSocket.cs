using Cavra.Gate.Runtime;

namespace Cavra.Gate.Tests.Runtime;

/// <summary>A daemon socket someone else manages: the tests' raw daemons (as an operator's <c>cavra-runtime --lifecycle start</c> would be).</summary>
public sealed class DaemonSocket : IDaemonEndpoint
{
    public DaemonSocket(string socketPath) { SocketPath = socketPath; }
    public string SocketPath { get; }

    public bool TryAcquire(TimeSpan budget, CancellationToken cancellationToken, out string socketPath, out string failure)
    {
        socketPath = SocketPath;
        failure = "";
        return true;
    }

    public string OnFailure(DaemonFailure failure) => "";
    public void OnAnswered() { }
}
