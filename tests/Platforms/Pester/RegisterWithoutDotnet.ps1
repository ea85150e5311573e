<#
    Run by LinuxWithoutDotnetTests in the self-contained linux-x64 PowerShell host, on a PATH without
    dotnet: the module and the package OpenMsiStream.Cli.linux-x64 are found on $env:PSModulePath, as
    Install-PSResource puts them.
#>
param([string] $Output, [string] $Topic, [string] $Servers)
$ErrorActionPreference = 'Stop'
Import-Module OpenMsiStream
$command = 'download-directory', $Output, '--topic', $Topic, '--bootstrap-servers', $Servers, '--count', '1', '--idle-timeout', '120'
Register-MsiService nodotnet -Scope User -ArgumentList $command -WhatIf
$info = Register-MsiService nodotnet -Scope User -ArgumentList $command
"executable: $($info.Definition.Executable[0])"
