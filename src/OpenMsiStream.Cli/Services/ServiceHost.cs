using System;
using System.IO;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using OpenMsiStream.Services;
using OpenMsiStream.State;

namespace OpenMsiStream.Cli.Services
{
    /// <summary>
    /// `openmsistream service run NAME`: runs a registered service's command under the .NET generic
    /// host, which speaks systemd's notify protocol (READY=1, STOPPING=1) and the Windows service control
    /// manager, and turns SIGTERM, a service stop or Ctrl+C into a graceful stop of the command (intake
    /// stopped, producer flushed, state saved, offsets committed) within the host's shutdown timeout.
    /// Run in a terminal it is the same thing in the foreground.
    /// </summary>
    internal static class ServiceHost
    {
        /// <summary>Below systemd's TimeoutStopSec, so a stop is always ours and never a SIGKILL.</summary>
        public static readonly TimeSpan ShutdownTimeout = TimeSpan.FromSeconds(SystemdUnit.StopTimeoutSeconds - 10);

        public static async Task<int> RunAsync(ServiceLayout layout, string name)
        {
            ServiceDefinition definition = new ServiceManager(layout).Read(name);
            if (Environment.GetEnvironmentVariable(AppData.HomeVariable) == null)
            {
                Environment.SetEnvironmentVariable(AppData.HomeVariable, layout.DataDirectory(name));
            }
            Directory.CreateDirectory(Environment.GetEnvironmentVariable(AppData.HomeVariable)!);
            ServiceSecrets.Load(layout.SecretsPath(name)); // systemd passes them already; Windows and foreground runs read the file
            Directory.SetCurrentDirectory(definition.WorkingDirectory);

            HostApplicationBuilder builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true, ContentRootPath = definition.WorkingDirectory });
            builder.Logging.ClearProviders(); // the program logs itself (its rotating log file, the log topic)
            builder.Services.AddSystemd();
            builder.Services.AddWindowsService(options => options.ServiceName = layout.UnitName(name));
            builder.Services.Configure<HostOptions>(options => options.ShutdownTimeout = ShutdownTimeout);
            var program = new ServiceProgram(definition);
            builder.Services.AddSingleton<IHostedService>(services => program.Attach(services.GetRequiredService<IHostApplicationLifetime>()));
            using IHost host = builder.Build();
            await host.RunAsync().ConfigureAwait(false);
            return program.ExitCode;
        }

        private sealed class ServiceProgram : BackgroundService
        {
            private readonly ServiceDefinition _definition;
            private IHostApplicationLifetime? _lifetime;

            public ServiceProgram(ServiceDefinition definition) => _definition = definition;

            public int ExitCode { get; private set; }

            public ServiceProgram Attach(IHostApplicationLifetime lifetime)
            {
                _lifetime = lifetime;
                return this;
            }

            protected override async Task ExecuteAsync(CancellationToken stoppingToken)
            {
                try
                {
                    ExitCode = await Program.InvokeHosted(new System.Collections.Generic.List<string>(_definition.ArgumentsWithProgramId()).ToArray(), stoppingToken).ConfigureAwait(false);
                }
                catch (Exception ex)
                {
                    Infrastructure.CliConsole.ErrorLine($"service '{_definition.Name}' failed: {ex.Message}");
                    ExitCode = Infrastructure.ExitCodes.Failed;
                }
                // The command ended by itself (a --count, an error): the service ends with its exit code,
                // and systemd's Restart=on-failure decides what happens next.
                _lifetime?.StopApplication();
            }
        }
    }
}
