using System;

namespace Cavra.Gate.Runtime
{
    /// <summary>Why a daemon could not be started.</summary>
    public sealed class GoRuntimeDaemonException : Exception
    {
        public GoRuntimeDaemonException(string message) : base(message) { }
    }
}
