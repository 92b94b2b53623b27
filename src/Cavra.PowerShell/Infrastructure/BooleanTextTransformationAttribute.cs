using System;
using System.Globalization;
using System.Management.Automation;

namespace Cavra.PowerShell.Infrastructure
{
    /// <summary>
    /// Lets a switch bind from imported text ("True"/"False", "1"/"0", as Import-Csv gives them). PowerShell binds only
    /// booleans and numbers to a switch, and a pipeline property it cannot convert is silently left unbound, so a CSV
    /// "True" would quietly become false. Any other text is a binding error.
    /// </summary>
    [AttributeUsage(AttributeTargets.Property | AttributeTargets.Field)]
    public sealed class BooleanTextTransformationAttribute : ArgumentTransformationAttribute
    {
        public override object? Transform(EngineIntrinsics engineIntrinsics, object? inputData)
        {
            object? value = inputData is PSObject pso ? pso.BaseObject : inputData;
            if (!(value is string text)) return inputData;
            switch (text.Trim().ToLowerInvariant())
            {
                case "true": case "1": return true;
                case "false": case "0": return false;
                default:
                    throw new ArgumentTransformationMetadataException(
                        string.Format(CultureInfo.InvariantCulture, "'{0}' is not a boolean: use true or false.", text));
            }
        }
    }
}
