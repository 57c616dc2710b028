from verwerker.cli import main

main()
