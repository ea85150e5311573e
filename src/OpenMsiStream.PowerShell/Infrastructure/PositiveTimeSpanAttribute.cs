using System;
using System.Management.Automation;

namespace OpenMsiStream.PowerShell.Infrastructure
{
    /// <summary>Rejects zero and negative time spans (after <see cref="SecondsOrTimeSpanAttribute"/> converted them).</summary>
    public sealed class PositiveTimeSpanAttribute : ValidateArgumentsAttribute
    {
        protected override void Validate(object arguments, EngineIntrinsics engineIntrinsics)
        {
            if (arguments is TimeSpan span && span <= TimeSpan.Zero)
            {
                throw new ValidationMetadataException($"The time span must be longer than zero (got {span}).");
            }
        }
    }
}
