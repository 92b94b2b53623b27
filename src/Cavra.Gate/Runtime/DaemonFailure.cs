namespace Cavra.Gate.Runtime
{
    /// <summary>How a request on the daemon socket failed, as far as the daemon's health is concerned.</summary>
    public enum DaemonFailure
    {
        /// <summary>Nobody listens: the socket is missing or the connection was refused. The daemon is down.</summary>
        Unreachable,
        /// <summary>The connection closed without an answer, or the answer was not a decision. Malformed requests do this too.</summary>
        NoAnswer,
        /// <summary>No answer within the timeout. Several in a row mean the daemon hangs.</summary>
        TimedOut,
    }
}
