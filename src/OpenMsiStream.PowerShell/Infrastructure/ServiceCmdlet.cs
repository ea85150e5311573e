using System.Management.Automation;
using OpenMsiStream.Diagnostics;
using OpenMsiStream.Services;

namespace OpenMsiStream.PowerShell.Infrastructure
{
    /// <summary>The shared -Scope of the service cmdlets and the manager for it.</summary>
    public abstract class ServiceCmdlet : MsiCmdlet
    {
        /// <summary>System (root/admin: a systemd system unit or a Windows service) or User (no admin rights: a systemd --user unit or a logon task).</summary>
        [Parameter(ValueFromPipelineByPropertyName = true)]
        public ServiceScope Scope { get; set; } = ServiceScope.System;

        internal ServiceManager Manager() => new ServiceManager(ServiceLayout.For(Scope));

        /// <summary>Applies a plan after ShouldProcess, which under -WhatIf prints every file and command of it.</summary>
        internal bool Carry(ServiceManager manager, ServicePlan plan, string name, string action)
        {
            if (!ShouldProcess($"{action} service '{name}':\n{plan}", $"{action} service '{name}'?", action))
            {
                return false;
            }
            try
            {
                manager.Apply(plan);
            }
            catch (OpenMsiStreamException error)
            {
                ThrowTerminatingError(error, name);
            }
            return true;
        }

        internal T Guard<T>(System.Func<T> body, string? target = null)
        {
            try
            {
                return body();
            }
            catch (OpenMsiStreamException error)
            {
                ThrowTerminatingError(error, target);
                throw; // not reached
            }
        }
    }
}
