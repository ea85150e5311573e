#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0' }
<#
    Get-MsiConsumerLag and Get-MsiTopicFile in a real pwsh against the embedded broker: the backlog of a
    group, the files on a topic (one of them incomplete), -Filter, the summary on the information
    stream, the default views, JSON, pipeline input by property name, and the errors with their ids;
    Get-MsiService | Get-MsiConsumerLag with services registered in a staged root, one of them run in the
    foreground by the service host.
#>

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'Support/TestSupport.psm1') -Force
    Import-ModuleUnderTest | Out-Null
    Use-OwnHome | Out-Null
    $script:topic = New-TestTopic 'lag'
    $script:stock = New-TestTopic 'stock'
    $script:results = New-TestTopic 'results'
    $script:broker = Start-MsiLocalBroker -Topic $topic, $stock, $results -Partitions 2 -ConfigPath (Join-Path (New-TestDirectory 'broker') 'local.config')
    $script:work = New-TestDirectory 'inspection'

    # The backlog: three files of two chunks each; the group 'archive' took one of them.
    0..2 | ForEach-Object { New-TestFile (Join-Path $work "src/f$_.dat") 100000 $_ | Out-Null }
    # One file after another, so that a file's chunks follow each other in its partition: what the group
    # committed after a whole file is then exactly the chunks of the files before it.
    Get-ChildItem -LiteralPath (Join-Path $work 'src') -File | ForEach-Object { Send-MsiDataFile -LiteralPath $_.FullName -Topic $topic -ChunkSize 65536 | Out-Null }
    Receive-MsiDataFile -Topic $topic -GroupId archive -Count 1 -IdleTimeout 60 -OutputDirectory (Join-Path $work 'archive') | Out-Null
    $script:lags = Get-MsiConsumerLag -Topic $topic -GroupId archive, never-read

    # The inventory: a 6 MiB file whose oldest chunks the embedded broker dropped (it keeps 5 MiB per
    # partition, and all the chunks of a file share one), then two small files and a second version.
    $tree = Join-Path $work 'tree'
    New-TestFile (Join-Path $tree 'raw/scan 0001.raw') (6MB) 7 | Out-Null
    Send-MsiDataFile -LiteralPath (Join-Path $tree 'raw/scan 0001.raw') -Topic $stock -RootDirectory $tree -WarningAction SilentlyContinue | Out-Null
    Set-Content -LiteralPath (Join-Path $tree 'notes.csv') -Value 'x,y', '1,2'
    Set-Content -LiteralPath (Join-Path $tree 'summary.csv') -Value 'a,b'
    Get-ChildItem -LiteralPath $tree -Filter *.csv | Send-MsiDataFile -Topic $stock -RootDirectory $tree | Out-Null
    Set-Content -LiteralPath (Join-Path $tree 'notes.csv') -Value 'x,y', '1,2', '3,4'
    Send-MsiDataFile -LiteralPath (Join-Path $tree 'notes.csv') -Topic $stock -RootDirectory $tree | Out-Null
    $script:all = Get-MsiTopicFile -Topic $stock -InformationVariable summary 6>$null
    $script:summary = $summary
}

AfterAll {
    Stop-MsiLocalBroker -ErrorAction SilentlyContinue
}

Describe 'Get-MsiConsumerLag' {
    It 'writes one PartitionLag per group and partition, with the backlog in messages, bytes and files' {
        $lags | ForEach-Object { $_.PSTypeNames[0] } | Select-Object -Unique | Should -Be 'OpenMsiStream.Inspection.PartitionLag'
        ($lags | ForEach-Object { '{0}/{1}' -f $_.GroupId, $_.Partition }) | Should -Be @('archive/0', 'archive/1', 'never-read/0', 'never-read/1')
        $archive = @($lags | Where-Object GroupId -eq archive)
        # One of three files (two chunks each) was received and committed: two files, four chunks behind.
        ($archive | Measure-Object Lag -Sum).Sum | Should -Be 4
        ($archive | Measure-Object IncompleteFiles -Sum).Sum | Should -Be 2
        ($archive | Measure-Object LagBytes -Sum).Sum | Should -BeGreaterThan 200000
        ($archive | Measure-Object LagBytes -Sum).Sum | Should -BeLessThan 201000
        $archive.BytesEstimated | Should -Be @($false, $false)
        $never = @($lags | Where-Object GroupId -eq never-read)
        ($never | Measure-Object Lag -Sum).Sum | Should -Be 6
        $never | ForEach-Object { $_.Committed | Should -BeNullOrEmpty }
        foreach ($lag in $lags) { $lag.Lag | Should -Be ($lag.End - [math]::Max([long]($lag.Committed ?? 0), $lag.Low)) }
    }

    It 'has a default table view with its columns, and a group that never committed shows -' {
        $lines = @(($lags | Out-String -Width 250) -split "`n" | Where-Object { $_.Trim() })
        $lines[0].Trim() -split '\s+' | Should -Be @('GroupId', 'Topic', 'Partition', 'Committed', 'End', 'Lag', 'LagBytes', 'IncompleteFiles')
        $lines[1] | Should -Match '^-+( +-+)*\s*$'
        $lines.Count | Should -Be 6
        $lines | Where-Object { $_ -match '^never-read ' } | ForEach-Object { $_ | Should -Match "^never-read\s+$topic\s+\d\s+-\s+\d+\s+\d+\s+\d+\s+\d+\s*$" }
    }

    It 'converts to JSON and back with its properties' {
        $back = $lags[0] | ConvertTo-Json -WarningAction Stop | ConvertFrom-Json
        foreach ($name in 'Topic', 'GroupId', 'Partition', 'Committed', 'Low', 'End', 'Lag', 'LagBytes', 'BytesEstimated', 'IncompleteFiles') {
            $back.PSObject.Properties.Name | Should -Contain $name
        }
        $back.Lag | Should -Be $lags[0].Lag
    }

    It 'binds -Topic and -GroupId from the pipeline by property name; a missing topic is a non-terminating TopicNotFound' {
        $objects = [pscustomobject]@{ Topic = 'no-such-topic'; GroupId = 'archive' }, [pscustomobject]@{ Topic = $topic; GroupId = 'archive' }
        $piped = $objects | Get-MsiConsumerLag -ErrorVariable problems -ErrorAction SilentlyContinue
        ($piped | ForEach-Object { '{0}/{1}/{2}' -f $_.Topic, $_.GroupId, $_.Lag }) | Should -Be ($lags | Where-Object GroupId -eq archive | ForEach-Object { '{0}/{1}/{2}' -f $_.Topic, $_.GroupId, $_.Lag })
        $problems.FullyQualifiedErrorId | Should -Be 'TopicNotFound,OpenMsiStream.PowerShell.Commands.GetMsiConsumerLagCommand'
        $problems.TargetObject | Should -Be 'no-such-topic'
    }

    It 'without -GroupId on the embedded broker says to name a group (ConsumerGroupsUnlisted), and the broker lives on' {
        Get-MsiConsumerLag -Topic $topic -ErrorVariable problems -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $problems.FullyQualifiedErrorId | Should -Be 'ConsumerGroupsUnlisted,OpenMsiStream.PowerShell.Commands.GetMsiConsumerLagCommand'
        $problems[0].Exception.Message | Should -Be "The embedded broker at $($broker.BootstrapServers) cannot list its consumer groups; name one (-GroupId, --group-id)."
        # Listing its groups would have crashed the broker, and this process with it.
        (Get-MsiConsumerLag $topic archive | Measure-Object Lag -Sum).Sum | Should -Be 4
    }

    It 'an empty group name is a non-terminating InvalidArgument, and the next input is measured' {
        $objects = [pscustomobject]@{ Topic = $topic; GroupId = '' }, [pscustomobject]@{ Topic = $topic; GroupId = 'archive' }
        $piped = $objects | Get-MsiConsumerLag -ErrorVariable problems -ErrorAction SilentlyContinue
        ($piped | Measure-Object Lag -Sum).Sum | Should -Be 4
        $problems.FullyQualifiedErrorId | Should -Be 'InvalidArgument,OpenMsiStream.PowerShell.Commands.GetMsiConsumerLagCommand'
        $problems[0].Exception.Message | Should -Be '-GroupId has an empty name: name each consumer group, or leave -GroupId out to measure every group on the topic.'
    }

    It 'an unreachable broker stops the command with BrokerUnreachable' {
        { Get-MsiConsumerLag -Topic $topic -GroupId archive -BootstrapServers 127.0.0.1:1 } | Should -Throw -ErrorId 'BrokerUnreachable,OpenMsiStream.PowerShell.Commands.GetMsiConsumerLagCommand'
    }
}

Describe 'Get-MsiTopicFile' {
    It 'lists every file in path order, the one whose oldest chunks are gone as incomplete' {
        $all | ForEach-Object { $_.PSTypeNames[0] } | Select-Object -Unique | Should -Be 'OpenMsiStream.Inspection.TopicFile'
        $all.RelativePath | Should -Be @('notes.csv', 'raw/scan 0001.raw', 'summary.csv')
        $scan = $all[1]
        $scan.TotalChunks | Should -Be 12
        $scan.Complete | Should -BeFalse
        $scan.ChunksPresent | Should -BeGreaterThan 0
        $scan.ChunksPresent | Should -BeLessThan 12
        # The newest chunks are there, one after another in the file's partition; the oldest offsets are gone.
        $scan.LastOffset - $scan.FirstOffset + 1 | Should -Be $scan.ChunksPresent
        $scan.FirstOffset | Should -BeGreaterThan 0
        $scan.Length | Should -Be (6MB) -Because 'the last chunk, which says where the file ends, is still there'
        $all[2].Complete | Should -BeTrue
        $all[2].Length | Should -Be 4
        $all[2].Sha512 | Should -Be (Get-Sha512 (Join-Path $work 'tree/summary.csv'))
    }

    It 'keeps every version of a file, the newest first in its properties' {
        $notes = $all[0]
        $notes.Versions.Count | Should -Be 2
        $notes.Sha512 | Should -Be (Get-Sha512 (Join-Path $work 'tree/notes.csv'))
        $notes.Length | Should -Be (Get-Item -LiteralPath (Join-Path $work 'tree/notes.csv')).Length
        $notes.Versions[0].Length | Should -Be 8
        $notes.Versions.Complete | Should -Be @($true, $true)
    }

    It 'writes the summary to the information stream, not among the objects' {
        "$summary" | Should -Match "^3 file\(s\) on topic '$stock': 2 complete, 1 incomplete; \d+ message\(s\), \d+\.\d MB\.$"
        $summary[0].Tags | Should -Contain 'PSHOST'
        $both = Get-MsiTopicFile $stock 6>&1
        @($both | Where-Object { $_ -is [System.Management.Automation.InformationRecord] }).Count | Should -Be 1
        @($both | Where-Object { $_ -isnot [System.Management.Automation.InformationRecord] }).Count | Should -Be 3
    }

    It '-Filter keeps the files whose relative path matches, and the summary counts the others' {
        $csv = Get-MsiTopicFile $stock -Filter '\.csv$' -InformationVariable filtered 6>$null
        $csv.RelativePath | Should -Be @('notes.csv', 'summary.csv')
        "$filtered" | Should -Match "^2 file\(s\) on topic '$stock': 2 complete, 0 incomplete; \d+ message\(s\), \d+\.\d MB; $($all[1].ChunksPresent) filtered out\.$"
        { Get-MsiTopicFile $stock -Filter '([a-z' } | Should -Throw -ErrorId 'InvalidArgument,OpenMsiStream.PowerShell.Commands.GetMsiTopicFileCommand'
    }

    It 'has a default table view with its columns; the incomplete file shows its chunks present of total' {
        $lines = @(($all | Out-String -Width 250) -split "`n" | Where-Object { $_.Trim() })
        $lines[0].Trim() -split '\s+' | Should -Be @('RelativePath', 'Length', 'Chunks', 'Versions', 'Partition', 'First', 'Last', 'Complete')
        $lines[1] | Should -Match '^-+( +-+)*\s*$'
        $lines[2] | Should -Match '^notes\.csv\s+12\s+1/1\s+2\s+'
        $lines[3] | Should -Match "^raw/scan 0001\.raw\s+6291456\s+$($all[1].ChunksPresent)/12\s+1\s+\d\s+$($all[1].FirstOffset)\s+$($all[1].LastOffset)\s+False\s*$"
        $lines[4] | Should -Match '^summary\.csv\s+4\s+1/1\s+1\s+\d\s+\d+\s+\d+\s+True\s*$'
    }

    It 'converts to JSON and back with its properties and versions' {
        $back = $all[0] | ConvertTo-Json -Depth 4 -WarningAction Stop | ConvertFrom-Json
        foreach ($name in 'Topic', 'RelativePath', 'Versions', 'Length', 'ChunksPresent', 'TotalChunks', 'Complete', 'Sha512', 'Partition', 'FirstOffset', 'LastOffset', 'Metadata') {
            $back.PSObject.Properties.Name | Should -Contain $name
        }
        $back.Versions.Count | Should -Be 2
        $back.Versions[1].Sha512 | Should -Be $all[0].Sha512
    }

    It 'binds -Topic by property name; a missing topic is a non-terminating TopicNotFound and the next one is listed' {
        $listed = [pscustomobject]@{ Topic = 'no-such-topic' }, [pscustomobject]@{ Topic = $stock } | Get-MsiTopicFile -ErrorVariable problems -ErrorAction SilentlyContinue 6>$null
        $listed.RelativePath | Should -Be $all.RelativePath
        $problems.FullyQualifiedErrorId | Should -Be 'TopicNotFound,OpenMsiStream.PowerShell.Commands.GetMsiTopicFileCommand'
    }

    It 'joins no consumer group and commits nothing: the lag of the groups is unchanged' {
        Get-MsiTopicFile $topic 6>$null | Should -HaveCount 3
        (Get-MsiConsumerLag $topic archive, never-read | Measure-Object Lag -Sum).Sum | Should -Be 10
    }
}

Describe 'Get-MsiService | Get-MsiConsumerLag' {
    BeforeAll {
        $env:OPENMSISTREAM_SERVICE_ROOT = New-TestDirectory 'service-root' # services go to a staged root, never this machine's systemd
        $cli = Join-Path $work 'openmsistream'
        Copy-Item -LiteralPath (Get-TestCli) -Destination $cli
        $config = $broker.ConfigPath
        # A receiver with a fixed group (the 'archive' group above), a processor whose group is its command's
        # default (named after the topic and the program it runs), and an uploader, which reads nothing.
        Register-MsiService lab-archive -Scope User -CliPath $cli -ArgumentList 'download-directory', (Join-Path $work 'svc-archive'), '--topic', $topic, '--group-id', 'archive', '--config', $config | Out-Null
        Register-MsiService lab-process -Scope User -CliPath $cli -ArgumentList 'process', $topic, '--config', $config, '--result-topic', $results, '--count', '3', '--idle-timeout', '60', '--', 'echo', '{name}' | Out-Null
        Register-MsiService lab-upload -Scope User -CliPath $cli -ArgumentList 'upload-directory', (Join-Path $work 'svc-watch'), '--topic', $stock, '--config', $config | Out-Null
        $script:before = Get-MsiService -Scope User | Get-MsiConsumerLag -ErrorAction SilentlyContinue

        # The processor runs as its service host runs it (in the foreground here): its status goes to the
        # service's data directory, where Get-MsiService reads it.
        $ownHome = $env:OPENMSISTREAM_HOME
        $env:OPENMSISTREAM_HOME = $null
        try { $script:run = & (Get-TestCli) service run lab-process --user 2>&1 | ForEach-Object { "$_" } }
        finally { $env:OPENMSISTREAM_HOME = $ownHome }
        $script:runExit = $LASTEXITCODE
        $script:services = Get-MsiService -Scope User
        $script:piped = $services | Get-MsiConsumerLag -ErrorVariable problems -ErrorAction SilentlyContinue
        $script:problems = $problems
    }

    AfterAll {
        Get-MsiService -Scope User -ErrorAction SilentlyContinue | Unregister-MsiService -ErrorAction SilentlyContinue
        Remove-Item Env:OPENMSISTREAM_SERVICE_ROOT -ErrorAction SilentlyContinue
    }

    It 'a service shows the topic and the consumer group its command line reads as' {
        $services.Name | Should -Be @('lab-archive', 'lab-process', 'lab-upload')
        $services.Topic | Should -Be @($topic, $topic, $stock)
        $services[0].GroupId | Should -Be 'archive'
        $services[2].GroupId | Should -BeNullOrEmpty
        # The processor's default group is the one the command really joined, as it said when it started.
        $runExit | Should -Be 0 -Because ($run -join "`n")
        $joined = ($run | Select-String "processing topic '$topic' as consumer group '([^']+)'").Matches[0].Groups[1].Value
        $joined | Should -Match '^openmsistream-process-'
        $services[1].GroupId | Should -Be $joined
    }

    It 'pipes each consuming service''s topic and group into Get-MsiConsumerLag; the uploader is a non-terminating NoConsumerGroup error' {
        ($piped | ForEach-Object { '{0}/{1}' -f $_.GroupId, $_.Partition }) | Should -Be @('archive/0', 'archive/1', "$($services[1].GroupId)/0", "$($services[1].GroupId)/1")
        (@($piped | Where-Object GroupId -eq archive) | Measure-Object Lag -Sum).Sum | Should -Be 4
        # Before its run the processor's group had read nothing; its run of 3 files left nothing behind.
        (@($before | Where-Object GroupId -eq $services[1].GroupId) | Measure-Object Lag -Sum).Sum | Should -Be 6
        (@($piped | Where-Object GroupId -eq $services[1].GroupId) | Measure-Object Lag -Sum).Sum | Should -Be 0
        $problems.Count | Should -Be 1
        $problems[0].FullyQualifiedErrorId | Should -Be 'NoConsumerGroup,OpenMsiStream.PowerShell.Commands.GetMsiConsumerLagCommand'
        $problems[0].TargetObject | Should -Be 'lab-upload'
        $problems[0].Exception.Message | Should -Be "Service 'lab-upload' has no consumer group to measure the backlog of: it runs upload-directory, which sends files and reads none."
    }

    It 'shows the processor''s result delivery and why, from its status file' {
        $services[1].ResultDelivery | Should -Be 'AtLeastOnce'
        $services[1].ResultDeliveryReason | Should -Match '^the embedded broker accepts Kafka transactions but does not implement them'
        $services[0].ResultDelivery | Should -BeNullOrEmpty -Because 'a receiver that never ran has no status'
        ($services[1] | Format-List ResultDelivery | Out-String) | Should -Match 'ResultDelivery : AtLeastOnce'
    }
}
