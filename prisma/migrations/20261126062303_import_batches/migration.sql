-- CreateTable
CREATE TABLE "import_batches" (
    "run_id" UUID NOT NULL,
    "seq" INTEGER NOT NULL,
    "checkpoint" JSONB NOT NULL,
    "counts" JSONB NOT NULL,
    "committed_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "import_batches_pkey" PRIMARY KEY ("run_id","seq")
);

-- AddForeignKey
ALTER TABLE "import_batches" ADD CONSTRAINT "import_batches_run_id_fkey" FOREIGN KEY ("run_id") REFERENCES "import_runs"("id") ON DELETE CASCADE ON UPDATE CASCADE;
