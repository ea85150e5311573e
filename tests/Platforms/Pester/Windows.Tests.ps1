#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0' }
<#
    Windows-only behaviour of the module, run by the Windows lane (tests/Platforms, WindowsPesterTests)
    in the win-x64 PowerShell host under Wine. Wine is a stand-in for Windows: drive letters, backslashes,
    long paths, ReplaceFile and the service control manager behave as Wine implements them.
#>

BeforeAll {
    $repoRoot = Resolve-Path (Join-Path $PSScriptRoot '../../..')
    Import-Module (Join-Path $repoRoot 'out/OpenMsiStream/OpenMsiStream.psd1') -Force
    $script:broker = Start-MsiLocalBroker -Partitions 4
    $script:root = 'C:\lab\pester-' + [guid]::NewGuid().ToString('N').Substring(0, 8)
    New-Item -ItemType Directory -Path $root | Out-Null
}

AfterAll {
    Stop-MsiLocalBroker -ErrorAction SilentlyContinue
    Remove-Module OpenMsiStream -ErrorAction SilentlyContinue
}

Describe 'OpenMsiStream on Windows' {
    It 'runs on Windows' {
        $IsWindows | Should -BeTrue
        [IO.Path]::DirectorySeparatorChar | Should -Be '\'
    }

    It 'sends from and receives into drive-letter paths longer than 260 characters, names with ";" and non-ASCII' {
        $topic = 'pester-win-' + [guid]::NewGuid().ToString('N').Substring(0, 8)
        $deep = Join-Path $root (((1..6) | ForEach-Object { "level $_ of a deep instrument folder tree" }) -join '\')
        New-Item -ItemType Directory -Path $deep -Force | Out-Null
        $file = Join-Path $deep 'scan; Größe 01.csv'
        [IO.File]::WriteAllBytes($file, [byte[]](1..250))
        $file.Length | Should -BeGreaterThan 260

        $sent = Send-MsiDataFile -LiteralPath $file -Topic $topic -RootDirectory $root
        $received = Receive-MsiDataFile -Topic $topic -OutputDirectory (Join-Path $root 'out') -Count 1 -IdleTimeout 60

        $sent.RelativePath | Should -Be ((((1..6) | ForEach-Object { "level $_ of a deep instrument folder tree" }) -join '/') + '/scan; Größe 01.csv')
        $received.FullName | Should -BeLike 'C:\lab\*\out\level 1 of*\scan; Größe 01.csv'
        $received.FullName.Length | Should -BeGreaterThan 260
        [IO.File]::ReadAllBytes($received.FullName) | Should -Be ([byte[]](1..250))
    }

    It 'replaces a received file in place when a newer version arrives (ReplaceFile)' {
        $topic = 'pester-replace-' + [guid]::NewGuid().ToString('N').Substring(0, 8)
        $source = Join-Path $root 'replace-src'
        $out = Join-Path $root 'replace-out'
        New-Item -ItemType Directory -Path $source -Force | Out-Null
        $file = Join-Path $source 'catalog.csv'
        [IO.File]::WriteAllText($file, "first version`n")
        Send-MsiDataFile -LiteralPath $file -Topic $topic | Out-Null
        [IO.File]::WriteAllText($file, "second, longer version`n")
        (Get-Item -LiteralPath $file).LastWriteTimeUtc = [DateTime]::UtcNow.AddMinutes(1)
        Send-MsiDataFile -LiteralPath $file -Topic $topic | Out-Null

        # Both versions arrive, in order: the second is renamed over the first.
        Receive-MsiDataFile -Topic $topic -OutputDirectory $out -Count 2 -IdleTimeout 60 | Out-Null

        [IO.File]::ReadAllText((Join-Path $out 'catalog.csv')) | Should -Be "second, longer version`n"
        Get-ChildItem -LiteralPath $out -File | Select-Object -ExpandProperty Name | Should -Be @('catalog.csv')
    }

    It 'registers a service that runs the self-contained openmsistream of OpenMsiStream.Cli.win-x64 as its own virtual account' {
        $name = 'pester-' + [guid]::NewGuid().ToString('N').Substring(0, 6)
        $info = Register-MsiService $name -ArgumentList 'download-directory', (Join-Path $root 'svc'), '--topic', 'lab', '--bootstrap-servers', '127.0.0.1:9'
        try {
            $info.Definition.Executable[0] | Should -BeLike '*\OpenMsiStream.Cli.win-x64\openmsistream.exe'
            $info.Definition.RunAs | Should -Be "NT SERVICE\openmsistream-$name"
            (Get-MsiService $name).State | Should -Be 'Stopped'
        }
        finally {
            Unregister-MsiService $name
        }
        Get-MsiService | Where-Object Name -EQ $name | Should -BeNullOrEmpty
    }

    It 'refuses a user account for a service, since it would need its password' {
        { Register-MsiService pester-user -RunAs lab -ArgumentList 'download-directory', 'C:\lab\x', '--topic', 'lab' -ErrorAction Stop } |
            Should -Throw -ErrorId 'InvalidArgument,OpenMsiStream.PowerShell.Commands.Services.RegisterMsiServiceCommand'
    }
}
