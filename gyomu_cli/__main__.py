from gyomu_cli.cli import main

main()
