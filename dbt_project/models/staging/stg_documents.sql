select
    document_id,
    case_id,
    doc_type,
    doc_no,
    issued_at,
    {{ local_date('issued_at') }} as issued_date,
    signed_by,
    len(list_filter(string_split(coalesce(signed_by, ''), ';'), lambda x: trim(x) <> '')) as n_signers,
    file_path,
    sha256
from {{ source('raw', 'documents') }}
