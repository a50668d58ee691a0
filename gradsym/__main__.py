from gradsym.cli import main

main()
