using System.Collections;
using System.Collections.Generic;
using System.Management.Automation;
using System.Management.Automation.Language;
using Cavra.Gate.Decisions;

namespace Cavra.PowerShell.Completion
{
    /// <summary>Completes names the engine knows; other values stay allowed (unknown action types and packs are valid input).</summary>
    public abstract class KnownNamesCompleter : IArgumentCompleter
    {
        protected abstract IEnumerable<string> Names { get; }

        public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
            CommandAst commandAst, IDictionary fakeBoundParameters)
        {
            var pattern = new WildcardPattern((wordToComplete ?? "").Trim('\'', '"') + "*", WildcardOptions.IgnoreCase);
            foreach (var name in Names)
                if (pattern.IsMatch(name)) yield return new CompletionResult(name, name, CompletionResultType.ParameterValue, name);
        }
    }

    public sealed class ActionTypeCompleter : KnownNamesCompleter
    {
        protected override IEnumerable<string> Names => DecisionEngine.ActionTypes;
    }

    public sealed class PolicyPackCompleter : KnownNamesCompleter
    {
        protected override IEnumerable<string> Names => DecisionEngine.BuiltInPackNames;
    }
}
