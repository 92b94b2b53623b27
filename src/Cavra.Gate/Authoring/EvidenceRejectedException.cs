using System;

namespace Cavra.Gate.Authoring
{
    /// <summary>An evidence document (new, or an existing file to append to) that the gate would not accept; nothing was written.</summary>
    public sealed class EvidenceRejectedException : InvalidOperationException
    {
        public EvidenceRejectedException(string message) : base(message) { }
    }
}
